#include "hook_load/calls.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include "hook_load/requests.h"

namespace hook_load {
namespace {

// A unary call that waits for its answer (OnProviderLoaded).
grpc::Status BlockingCall(grpc::GenericStub& stub, const std::string& method,
                          const std::string& request, std::string* response) {
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const grpc::Slice slice(request);
  const grpc::ByteBuffer buffer(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::Status status;
  auto reader = stub.PrepareUnaryCall(&context, method, buffer, &queue);
  reader->StartCall();
  reader->Finish(&reply, &status, &context);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)reply.Dump(&slices);
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace

std::optional<Stubs> ConnectTargets(const std::vector<std::string>& targets, int channels,
                                    std::string* error) {
  Stubs stubs(targets.size());
  for (size_t t = 0; t < targets.size(); ++t) {
    for (int c = 0; c < channels; ++c) {
      // A distinct channel_id and a local subchannel pool per channel, or gRPC would share
      // one subchannel (one TCP connection) between identical channels.
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", static_cast<int>(t) * channels + c);
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetMaxReceiveMessageSize(-1);
      auto channel =
          grpc::CreateCustomChannel(targets[t], grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
        *error = "cannot connect to " + targets[t];
        return std::nullopt;
      }
      stubs[t].push_back(std::make_unique<grpc::GenericStub>(channel));  // holds the channel
    }
  }
  return stubs;
}

std::optional<pb::LoadedResponse> LoadProvider(const Stubs& stubs,
                                               const std::vector<std::string>& targets,
                                               const std::string& prefix, std::string* error) {
  pb::ProviderLoadedRequest request;
  request.mutable_broker()->set_version("5.8.0");
  request.mutable_broker()->set_sysdescr("EMQX");
  request.mutable_broker()->set_uptime(1000);
  request.mutable_broker()->set_datetime("2025-01-01T00:00:00Z");
  FillMeta(request.mutable_meta());
  pb::LoadedResponse loaded;
  for (size_t t = targets.size(); t-- > 0;) {  // the first target's answer stays
    std::string bytes;
    const grpc::Status status = BlockingCall(*stubs[t][0], prefix + "OnProviderLoaded",
                                             request.SerializeAsString(), &bytes);
    if (!status.ok()) {
      *error = "OnProviderLoaded to " + targets[t] +
               " failed: " + std::to_string(status.error_code()) + " " + status.error_message();
      return std::nullopt;
    }
    if (!loaded.ParseFromString(bytes)) {
      *error = "OnProviderLoaded answer of " + targets[t] + " is not a LoadedResponse";
      return std::nullopt;
    }
  }
  return loaded;
}

std::vector<OnceResult> RunOnce(const Stubs& stubs, const std::string& method,
                                const std::vector<std::string>& requests,
                                const std::vector<uint8_t>& targets, bool valued, int concurrency,
                                std::chrono::milliseconds timeout) {
  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    grpc::ByteBuffer response;
    grpc::Status status;
    size_t index = 0;
  };
  std::vector<OnceResult> results(requests.size());
  std::vector<Slot> slots(std::min<size_t>(static_cast<size_t>(concurrency), requests.size()));
  grpc::CompletionQueue queue;
  size_t next = 0, done = 0;
  auto issue = [&](Slot& slot) {
    slot.index = next++;
    slot.reader.reset();
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + timeout);
    slot.response.Clear();
    const grpc::Slice slice(requests[slot.index]);
    const grpc::ByteBuffer buffer(&slice, 1);
    const auto& channels = stubs[targets[slot.index]];
    slot.reader = channels[slot.index % channels.size()]->PrepareUnaryCall(slot.context.get(),
                                                                           method, buffer, &queue);
    slot.reader->StartCall();
    slot.reader->Finish(&slot.response, &slot.status, &slot);
  };
  for (Slot& slot : slots) issue(slot);
  void* tag = nullptr;
  bool ok = false;
  while (done < requests.size() && queue.Next(&tag, &ok)) {
    Slot& slot = *static_cast<Slot*>(tag);
    OnceResult& result = results[slot.index];
    result.code = slot.status.error_code();
    if (slot.status.ok() && valued) {
      pb::ValuedResponse answer;
      grpc::ProtoBufferReader reader(&slot.response);
      if (answer.ParseFromZeroCopyStream(&reader)) result.valued = std::move(answer);
    }
    ++done;
    if (next < requests.size()) issue(slot);
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return results;
}

}  // namespace hook_load
