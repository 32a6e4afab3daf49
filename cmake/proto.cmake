# Generates C++ messages and gRPC services from proto/*.proto into iothub_proto.
set(PROTO_FILES ${PROJECT_SOURCE_DIR}/proto/exhook.proto ${PROJECT_SOURCE_DIR}/proto/exhook_v3.proto)
set(PROTO_OUT ${PROJECT_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${PROTO_OUT})
get_target_property(GRPC_CPP_PLUGIN gRPC::grpc_cpp_plugin LOCATION)

set(PROTO_SRCS "")
foreach(proto ${PROTO_FILES})
  get_filename_component(stem ${proto} NAME_WE)
  set(out ${PROTO_OUT}/${stem}.pb.cc ${PROTO_OUT}/${stem}.pb.h
          ${PROTO_OUT}/${stem}.grpc.pb.cc ${PROTO_OUT}/${stem}.grpc.pb.h)
  add_custom_command(
    OUTPUT ${out}
    COMMAND protobuf::protoc ARGS --proto_path=${PROJECT_SOURCE_DIR}/proto
            --cpp_out=${PROTO_OUT} --grpc_out=${PROTO_OUT}
            --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${proto}
    DEPENDS ${proto} ${PROTO_FILES}
    COMMENT "protoc ${stem}.proto")
  list(APPEND PROTO_SRCS ${out})
endforeach()

add_library(iothub_proto STATIC ${PROTO_SRCS})
target_include_directories(iothub_proto SYSTEM PUBLIC ${PROTO_OUT})
target_link_libraries(iothub_proto PUBLIC gRPC::grpc++ protobuf::libprotobuf)
