// The gRPC transport with a service that answers message.publish later, from a thread of
// its own (as the hub does when the RPC state is in Redis): a real server on a loopback
// port with one queue thread, called by a real gRPC client.
#include "hooks/exhook_server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "support/exhook_client.h"

namespace iothub::hooks {
namespace {

using namespace std::chrono_literals;
using testing::ExhookClient;
using testing::ServiceVersion;

// Answers authorize at once (allow) and holds every publish until Release(), then
// answers them all from its own thread with a rewrite naming the topic.
class HoldingService final : public ExhookService {
 public:
#define IOTHUB_ANSWER_NOW(name, req, resp, hook)                              \
  grpc::Status Handle(const pb::req&, pb::resp*, Outcome* outcome) override { \
    *outcome = Outcome::kOk;                                                  \
    return grpc::Status::OK;                                                  \
  }
  IOTHUB_EXHOOK_RPCS(IOTHUB_ANSWER_NOW)
#undef IOTHUB_ANSWER_NOW

  void HandleAsync(const pb::MessagePublishRequest& request, pb::ValuedResponse* response,
                   PendingAnswer& answer) override {
    std::lock_guard lock(mutex_);
    held_.push_back({&request, response, &answer});
    changed_.notify_all();
  }

  // Waits until `count` publishes are held.
  bool WaitHeld(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return held_.size() >= count; });
  }

  // Answers every held publish from a new thread, after `delay`.
  std::thread Release(std::chrono::milliseconds delay) {
    std::vector<Held> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    return std::thread([held, delay] {
      std::this_thread::sleep_for(delay);
      for (const Held& h : held) {
        h.response->set_type(pb::ValuedResponse::CONTINUE);
        *h.response->mutable_message() = h.request->message();
        h.response->mutable_message()->set_topic("answered/" + h.request->message().topic());
        h.answer->Send(grpc::Status::OK, Outcome::kRewrite);
      }
    });
  }

 private:
  struct Held {
    const pb::MessagePublishRequest* request;
    pb::ValuedResponse* response;
    PendingAnswer* answer;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Held> held_;
};

pb::MessagePublishRequest Publish(const std::string& topic) {
  pb::MessagePublishRequest request;
  request.mutable_message()->set_id(topic);
  request.mutable_message()->set_topic(topic);
  return request;
}

class ExhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ExhookServer::Start({.listen = "127.0.0.1:0", .threads = 1}, service_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  HoldingService service_;
  Metrics registry_;
  HookMetrics metrics_{registry_};
  std::unique_ptr<ExhookServer> server_;
};

// While publishes wait for their answer, the one queue thread goes on serving other
// calls; the answers, sent later from another thread, reach each caller with its own
// message.
TEST_F(ExhookServerTest, PublishAnsweredLaterDoesNotHoldTheQueueThread) {
  const std::string target = "127.0.0.1:" + std::to_string(server_->port());
  std::vector<std::future<std::pair<grpc::Status, std::string>>> publishes;
  for (int i = 0; i < 8; ++i) {
    publishes.push_back(std::async(std::launch::async, [target, i] {
      ExhookClient client(target, i % 2 == 0 ? ServiceVersion::kV2 : ServiceVersion::kV3);
      pb::ValuedResponse response;
      const grpc::Status status = client.Publish(Publish("t/" + std::to_string(i)), &response);
      return std::make_pair(status, response.message().topic());
    }));
  }
  ASSERT_TRUE(service_.WaitHeld(8));

  ExhookClient client(target, ServiceVersion::kV2);
  pb::ClientAuthorizeRequest authorize;
  pb::ValuedResponse authorized;
  EXPECT_TRUE(client.Authorize(authorize, &authorized).ok());  // served meanwhile

  std::thread answering = service_.Release(0ms);
  for (int i = 0; i < 8; ++i) {
    const auto [status, topic] = publishes[i].get();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(topic, "answered/t/" + std::to_string(i));
  }
  answering.join();
  EXPECT_NE(registry_.Render().find(
                R"(iothub_hook_calls_total{hook="message.publish",result="rewrite"} 8)"),
            std::string::npos)
      << registry_.Render();
}

// Shutdown waits for an answer still to come before it closes the queues, and the
// caller gets it.
TEST_F(ExhookServerTest, ShutdownWaitsForAnswersStillToCome) {
  const std::string target = "127.0.0.1:" + std::to_string(server_->port());
  auto publish = std::async(std::launch::async, [target] {
    ExhookClient client(target, ServiceVersion::kV3);
    pb::ValuedResponse response;
    const grpc::Status status = client.Publish(Publish("late"), &response);
    return std::make_pair(status, response.message().topic());
  });
  ASSERT_TRUE(service_.WaitHeld(1));
  std::thread answering = service_.Release(300ms);
  server_->Shutdown(2s);  // returns once the answer went out
  answering.join();
  const auto [status, topic] = publish.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(topic, "answered/late");
}

}  // namespace
}  // namespace iothub::hooks
