#include "hooks/exhook_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace iothub::hooks {

// What every call of one server shares: the service, the metrics, and the count of calls
// taken up and not yet answered (an answer may come from another thread: Shutdown waits
// for those before it closes the queues their answers go through).
struct CallScope {
  ExhookService* service = nullptr;
  HookMetrics* metrics = nullptr;
  std::atomic<int> unanswered{0};
};

namespace {

// One tagged event on a completion queue.
class Call {
 public:
  virtual ~Call() = default;
  virtual void Proceed(bool ok) = 0;
};

// One unary call of one rpc of one service, from being posted to being answered. When a
// request arrives, a fresh copy is posted first, so the rpc always has a listener.
template <typename Service, typename Request, typename Response>
class UnaryCall final : public Call, public PendingAnswer {
 public:
  using RequestFn = void (Service::*)(grpc::ServerContext*, Request*,
                                      grpc::ServerAsyncResponseWriter<Response>*,
                                      grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);

  UnaryCall(Service* service, RequestFn request_fn, Rpc rpc, grpc::ServerCompletionQueue* cq,
            CallScope* scope)
      : service_(service),
        request_fn_(request_fn),
        rpc_(rpc),
        cq_(cq),
        scope_(scope),
        responder_(&context_) {
    (service_->*request_fn_)(&context_, &request_, &responder_, cq_, cq_, this);
  }

  void Proceed(bool ok) override {
    if (answered_ || !ok) {  // finished, or the server is shutting down
      delete this;
      return;
    }
    new UnaryCall(service_, request_fn_, rpc_, cq_, scope_);
    scope_->metrics->in_flight().Add(1);
    scope_->unanswered.fetch_add(1, std::memory_order_relaxed);
    start_ = std::chrono::steady_clock::now();
    scope_->service->HandleAsync(request_, &response_, *this);
  }

  // Runs once per call, on a queue thread or on the thread that answered it later.
  void Send(grpc::Status status, Outcome outcome) override {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start_)
                            .count();
    CallScope* scope = scope_;  // `this` may be gone once Finish is posted
    scope->metrics->Record(rpc_, outcome, micros);
    scope->metrics->in_flight().Add(-1);
    answered_ = true;
    if (status.ok()) {
      responder_.Finish(response_, status, this);
    } else {
      responder_.FinishWithError(status, this);
    }
    scope->unanswered.fetch_sub(1, std::memory_order_release);
  }

 private:
  Service* service_;
  RequestFn request_fn_;
  Rpc rpc_;
  grpc::ServerCompletionQueue* cq_;
  CallScope* scope_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_;
  std::chrono::steady_clock::time_point start_;
  bool answered_ = false;
};

void Serve(grpc::ServerCompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) static_cast<Call*>(tag)->Proceed(ok);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ExhookServer>> ExhookServer::Start(
    const ExhookServerOptions& options, ExhookService& service, HookMetrics& metrics) {
  // Debian's Abseil tracks the lock order of every absl::Mutex (gRPC's own) to report
  // deadlocks, a debugging aid that cost ~3% of a cluster hub's CPU per call (perf); the
  // hub takes no absl::Mutex of its own.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<ExhookServer> server(new ExhookServer());
  server->scope_ = std::make_unique<CallScope>();
  server->scope_->service = &service;
  server->scope_->metrics = &metrics;

  grpc::ServerBuilder builder;
  // EMQX's link is plain HTTP/2 or mTLS terminated in front; see docs/deploy.md.
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &server->port_);
  // Without this, gRPC sets SO_REUSEPORT and a second hub on the same port "starts" and
  // silently shares the traffic; a port in use must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(&server->v2_);
  builder.RegisterService(&server->v3_);
  const int threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) server->queues_.push_back(builder.AddCompletionQueue());

  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    server->stopped_ = true;
    for (auto& cq : server->queues_) {
      cq->Shutdown();
      void* tag;
      bool ok;
      while (cq->Next(&tag, &ok)) {
      }
    }
    return absl::UnavailableError("cannot listen for gRPC on " + options.listen +
                                  " (address in use or not valid for this host)");
  }
  for (auto& cq : server->queues_)
    server->PostCalls(cq.get(), std::max(1, options.calls_per_method));
  for (auto& cq : server->queues_) server->threads_.emplace_back(Serve, cq.get());
  return server;
}

void ExhookServer::PostCalls(grpc::ServerCompletionQueue* cq, int copies) {
  namespace v2 = ::emqx::exhook::v2;
  namespace v3 = ::emqx::exhook::v3;
  for (int i = 0; i < copies; ++i) {
#define IOTHUB_POST(name, req, resp, hook)                                                   \
  new UnaryCall<v2::HookProvider::AsyncService, v2::req, v2::resp>(                          \
      &v2_, &v2::HookProvider::AsyncService::Request##name, Rpc::k##name, cq, scope_.get()); \
  new UnaryCall<v3::HookProvider::AsyncService, v2::req, v2::resp>(                          \
      &v3_, &v3::HookProvider::AsyncService::Request##name, Rpc::k##name, cq, scope_.get());
    IOTHUB_EXHOOK_RPCS(IOTHUB_POST)
#undef IOTHUB_POST
  }
}

void ExhookServer::Shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  // A call answered later posts its answer to its queue: wait for those answers (the
  // shared state bounds them by its timeout) before the queues close.
  while (scope_->unanswered.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline + grace) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& cq : queues_) cq->Shutdown();
  for (auto& thread : threads_) thread.join();
}

ExhookServer::~ExhookServer() { Shutdown(); }

}  // namespace iothub::hooks
