#include "hook_load/calls.h"

#include <grpcpp/support/proto_buffer_reader.h>

namespace hook_load {

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

}  // namespace hook_load
