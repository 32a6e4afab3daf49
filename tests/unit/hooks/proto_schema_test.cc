// The generated ExHook messages and services match the reference tables of the protocol
// (exhook-protocol facts: field names, numbers and types; 21 rpcs in order; both
// service names). These are the wire: a wrong number breaks every EMQX version.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "exhook.pb.h"
#include "exhook_v3.pb.h"

namespace iothub::hooks {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;

struct Field {
  std::string name;
  int number;
  std::string type;  // scalar type name, message full name, or "repeated <...>" / map
};

std::string TypeOf(const FieldDescriptor* field) {
  std::string type;
  if (field->is_map()) {
    return "map<" + TypeOf(field->message_type()->map_key()) + ", " +
           TypeOf(field->message_type()->map_value()) + ">";
  }
  if (field->is_repeated()) type = "repeated ";
  if (field->type() == FieldDescriptor::TYPE_MESSAGE) return type + field->message_type()->name();
  if (field->type() == FieldDescriptor::TYPE_ENUM) return type + field->enum_type()->name();
  return type + field->type_name();
}

// Loads the descriptors of both proto files into the generated pool (a static library
// registers a file only when one of its symbols is linked).
const DescriptorPool* Pool() {
  static const bool loaded = [] {
    (void)::emqx::exhook::v2::ProviderLoadedRequest::descriptor();
    (void)::google::protobuf::internal::AssignDescriptors(&descriptor_table_exhook_5fv3_2eproto);
    return true;
  }();
  (void)loaded;
  return DescriptorPool::generated_pool();
}

// The reference tables, v3 field set plus the 5.3-only TopicFilter.qos and SubOpts.share.
const std::map<std::string, std::vector<Field>>& Reference() {
  static const auto* tables = new std::map<std::string, std::vector<Field>>{
      {"ProviderLoadedRequest", {{"broker", 1, "BrokerInfo"}, {"meta", 2, "RequestMeta"}}},
      {"ProviderUnloadedRequest", {{"meta", 1, "RequestMeta"}}},
      {"ClientConnectRequest",
       {{"conninfo", 1, "ConnInfo"},
        {"props", 2, "repeated Property"},
        {"meta", 3, "RequestMeta"},
        {"user_props", 4, "repeated Property"}}},
      {"ClientConnackRequest",
       {{"conninfo", 1, "ConnInfo"},
        {"result_code", 2, "string"},
        {"props", 3, "repeated Property"},
        {"meta", 4, "RequestMeta"},
        {"user_props", 5, "repeated Property"}}},
      {"ClientConnectedRequest", {{"clientinfo", 1, "ClientInfo"}, {"meta", 2, "RequestMeta"}}},
      {"ClientDisconnectedRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"reason", 2, "string"}, {"meta", 3, "RequestMeta"}}},
      {"ClientAuthenticateRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"result", 2, "bool"}, {"meta", 3, "RequestMeta"}}},
      {"ClientAuthorizeRequest",
       {{"clientinfo", 1, "ClientInfo"},
        {"type", 2, "AuthorizeReqType"},
        {"topic", 3, "string"},
        {"result", 4, "bool"},
        {"meta", 5, "RequestMeta"}}},
      {"ClientSubscribeRequest",
       {{"clientinfo", 1, "ClientInfo"},
        {"props", 2, "repeated Property"},
        {"topic_filters", 3, "repeated TopicFilter"},
        {"meta", 4, "RequestMeta"},
        {"user_props", 5, "repeated Property"}}},
      {"ClientUnsubscribeRequest",
       {{"clientinfo", 1, "ClientInfo"},
        {"props", 2, "repeated Property"},
        {"topic_filters", 3, "repeated TopicFilter"},
        {"meta", 4, "RequestMeta"},
        {"user_props", 5, "repeated Property"}}},
      {"SessionCreatedRequest", {{"clientinfo", 1, "ClientInfo"}, {"meta", 2, "RequestMeta"}}},
      {"SessionSubscribedRequest",
       {{"clientinfo", 1, "ClientInfo"},
        {"topic", 2, "string"},
        {"subopts", 3, "SubOpts"},
        {"meta", 4, "RequestMeta"}}},
      {"SessionUnsubscribedRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"topic", 2, "string"}, {"meta", 3, "RequestMeta"}}},
      {"SessionResumedRequest", {{"clientinfo", 1, "ClientInfo"}, {"meta", 2, "RequestMeta"}}},
      {"SessionDiscardedRequest", {{"clientinfo", 1, "ClientInfo"}, {"meta", 2, "RequestMeta"}}},
      {"SessionTakenoverRequest", {{"clientinfo", 1, "ClientInfo"}, {"meta", 2, "RequestMeta"}}},
      {"SessionTerminatedRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"reason", 2, "string"}, {"meta", 3, "RequestMeta"}}},
      {"MessagePublishRequest",
       {{"message", 1, "Message"},
        {"meta", 2, "RequestMeta"},
        {"props", 3, "repeated Property"},
        {"user_props", 4, "repeated Property"}}},
      {"MessageDeliveredRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"message", 2, "Message"}, {"meta", 3, "RequestMeta"}}},
      {"MessageDroppedRequest",
       {{"message", 1, "Message"}, {"reason", 2, "string"}, {"meta", 3, "RequestMeta"}}},
      {"MessageAckedRequest",
       {{"clientinfo", 1, "ClientInfo"}, {"message", 2, "Message"}, {"meta", 3, "RequestMeta"}}},
      {"LoadedResponse", {{"hooks", 1, "repeated HookSpec"}}},
      {"ValuedResponse",
       {{"type", 1, "ResponsedType"}, {"bool_result", 3, "bool"}, {"message", 4, "Message"}}},
      {"EmptySuccess", {}},
      {"BrokerInfo",
       {{"version", 1, "string"},
        {"sysdescr", 2, "string"},
        {"uptime", 3, "int64"},
        {"datetime", 4, "string"}}},
      {"HookSpec", {{"name", 1, "string"}, {"topics", 2, "repeated string"}}},
      {"ConnInfo",
       {{"node", 1, "string"},
        {"clientid", 2, "string"},
        {"username", 3, "string"},
        {"peerhost", 4, "string"},
        {"sockport", 5, "uint32"},
        {"proto_name", 6, "string"},
        {"proto_ver", 7, "string"},
        {"keepalive", 8, "uint32"},
        {"peerport", 9, "uint32"}}},
      {"ClientInfo",
       {{"node", 1, "string"},
        {"clientid", 2, "string"},
        {"username", 3, "string"},
        {"password", 4, "string"},
        {"peerhost", 5, "string"},
        {"sockport", 6, "uint32"},
        {"protocol", 7, "string"},
        {"mountpoint", 8, "string"},
        {"is_superuser", 9, "bool"},
        {"anonymous", 10, "bool"},
        {"cn", 11, "string"},
        {"dn", 12, "string"},
        {"peerport", 13, "uint32"}}},
      {"Message",
       {{"node", 1, "string"},
        {"id", 2, "string"},
        {"qos", 3, "uint32"},
        {"from", 4, "string"},
        {"topic", 5, "string"},
        {"payload", 6, "bytes"},
        {"timestamp", 7, "uint64"},
        {"headers", 8, "map<string, string>"}}},
      {"Property", {{"name", 1, "string"}, {"value", 2, "string"}}},
      {"TopicFilter", {{"name", 1, "string"}, {"qos", 2, "uint32"}, {"subopts", 3, "SubOpts"}}},
      {"SubOpts",
       {{"qos", 1, "uint32"},
        {"share", 2, "string"},
        {"rh", 3, "uint32"},
        {"rap", 4, "uint32"},
        {"nl", 5, "uint32"}}},
      {"RequestMeta",
       {{"node", 1, "string"},
        {"version", 2, "string"},
        {"sysdescr", 3, "string"},
        {"cluster_name", 4, "string"}}},
  };
  return *tables;
}

// Every message of the reference exists with exactly its fields, numbers and types.
TEST(ProtoSchemaTest, MessagesMatchTheReference) {
  const DescriptorPool* pool = Pool();
  for (const auto& [name, fields] : Reference()) {
    const Descriptor* message = pool->FindMessageTypeByName("emqx.exhook.v2." + name);
    ASSERT_NE(message, nullptr) << name;
    EXPECT_EQ(message->field_count(), static_cast<int>(fields.size())) << name;
    for (const Field& expected : fields) {
      const FieldDescriptor* field = message->FindFieldByName(expected.name);
      ASSERT_NE(field, nullptr) << name << "." << expected.name;
      EXPECT_EQ(field->number(), expected.number) << name << "." << expected.name;
      EXPECT_EQ(TypeOf(field), expected.type) << name << "." << expected.name;
    }
  }
}

// The enums carry the reference values.
TEST(ProtoSchemaTest, EnumValues) {
  using pb = ::emqx::exhook::v2::ValuedResponse;
  EXPECT_EQ(pb::CONTINUE, 0);
  EXPECT_EQ(pb::IGNORE, 1);
  EXPECT_EQ(pb::STOP_AND_RETURN, 2);
  EXPECT_EQ(::emqx::exhook::v2::ClientAuthorizeRequest::PUBLISH, 0);
  EXPECT_EQ(::emqx::exhook::v2::ClientAuthorizeRequest::SUBSCRIBE, 1);
  const Descriptor* valued = Pool()->FindMessageTypeByName("emqx.exhook.v2.ValuedResponse");
  ASSERT_EQ(valued->oneof_decl_count(), 1);
  EXPECT_EQ(valued->oneof_decl(0)->name(), "value");
}

// Both services exist with the 21 rpcs in the reference order and request/response types.
TEST(ProtoSchemaTest, BothServicesHaveTheTwentyOneRpcs) {
  const std::vector<std::string> rpcs = {
      "OnProviderLoaded",      "OnProviderUnloaded",  "OnClientConnect",
      "OnClientConnack",       "OnClientConnected",   "OnClientDisconnected",
      "OnClientAuthenticate",  "OnClientAuthorize",   "OnClientSubscribe",
      "OnClientUnsubscribe",   "OnSessionCreated",    "OnSessionSubscribed",
      "OnSessionUnsubscribed", "OnSessionResumed",    "OnSessionDiscarded",
      "OnSessionTakenover",    "OnSessionTerminated", "OnMessagePublish",
      "OnMessageDelivered",    "OnMessageDropped",    "OnMessageAcked"};
  for (const char* service_name : {"emqx.exhook.v2.HookProvider", "emqx.exhook.v3.HookProvider"}) {
    const auto* service = Pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    ASSERT_EQ(service->method_count(), 21) << service_name;
    for (int i = 0; i < 21; ++i) {
      EXPECT_EQ(service->method(i)->name(), rpcs[i]) << service_name;
      EXPECT_FALSE(service->method(i)->client_streaming());
      EXPECT_FALSE(service->method(i)->server_streaming());
    }
    EXPECT_EQ(service->FindMethodByName("OnClientAuthorize")->output_type()->name(),
              "ValuedResponse");
    EXPECT_EQ(service->FindMethodByName("OnProviderLoaded")->output_type()->name(),
              "LoadedResponse");
  }
}

}  // namespace
}  // namespace iothub::hooks
