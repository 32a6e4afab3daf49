// Test environment for the mqtt module: a real Mosquitto broker per test (a TLS
// listener on 127.0.0.1 that requires client certificates, made with the openssl CLI
// once per test binary), a device that answers RPC requests, and small helpers.
// Header-only (the module's test binary globs *_test.cc). Thread-compatible, except
// FakeDevice, whose accessors are thread-safe.
#pragma once

#include <mosquitto.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::mqtt::testing {

using namespace std::chrono_literals;

inline constexpr char kMosquittoPath[] = "/usr/sbin/mosquitto";

// Polls `done` every 10 ms until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// PEM files of a test CA, the broker's certificate (localhost, 127.0.0.1), the hub's
// client certificate and a device's. Made once per test binary in a directory that
// lives until exit.
struct Pki {
  std::string ca;
  std::string server_cert, server_key;
  std::string hub_cert, hub_key;
  std::string device_cert, device_key;
  bool ok = false;
};

inline const Pki& TestPki() {
  static const Pki* pki = [] {
    static iothub::testing::TempDir dir;  // removed at exit
    auto* p = new Pki;
    const auto f = [&](const char* name) { return dir.File(name); };
    std::string script = "set -e\ncd " + dir.path().string() + "\n";
    script +=
        "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
        "openssl req -x509 $K -keyout ca.key -out ca.crt -subj /CN=mqtt-test-ca -days 2 "
        "-addext keyUsage=critical,keyCertSign,cRLSign\n"
        "issue() {\n"
        "  openssl req -new $K -keyout $1.key -out $1.csr -subj /CN=$2\n"
        "  printf \"$3\\nbasicConstraints=CA:FALSE\\n\" > $1.ext\n"
        "  openssl x509 -req -in $1.csr -CA ca.crt -CAkey ca.key -set_serial $4 -days 2 "
        "-out $1.crt -extfile $1.ext\n"
        "}\n"
        "issue server localhost "
        "'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth' 2\n"
        "issue hub iot-hub 'extendedKeyUsage=clientAuth' 3\n"
        "issue device device-001 'extendedKeyUsage=clientAuth' 4\n";
    iothub::testing::WriteFile(f("pki.sh"), script);
    p->ok = iothub::testing::RunProcess({"/bin/sh", f("pki.sh")}, 30s).status == 0;
    p->ca = f("ca.crt");
    p->server_cert = f("server.crt");
    p->server_key = f("server.key");
    p->hub_cert = f("hub.crt");
    p->hub_key = f("hub.key");
    p->device_cert = f("device.crt");
    p->device_key = f("device.key");
    return p;
  }();
  return *pki;
}

// One Mosquitto broker in `dir`: a TLS listener on 127.0.0.1 with require_certificate.
class Broker {
 public:
  explicit Broker(const iothub::testing::TempDir& dir) : dir_(dir) {}
  ~Broker() { Stop(); }

  // Starts the broker; the first start picks a free port (retrying on a lost race),
  // later starts reuse it. False when it did not come up.
  bool Start() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (port_ == 0 || attempt > 0) port_ = iothub::testing::FreeTcpPort();
      if (TryStart()) return true;
    }
    return false;
  }

  void Stop() {
    if (process_ != nullptr) process_->Stop();
    process_.reset();
  }

  int port() const { return port_; }
  std::string log() const { return iothub::testing::ReadFile(dir_.File("broker.log")); }

 private:
  bool TryStart() {
    const Pki& pki = TestPki();
    std::string conf;
    if (geteuid() == 0) conf += "user root\n";  // else it drops to a user that cannot read dir_
    conf += "per_listener_settings false\nallow_anonymous true\npersistence false\n";
    conf += "set_tcp_nodelay true\n";  // as EMQX does
    conf += "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n";
    conf += "log_type information\nconnection_messages true\n";
    conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
    conf += "cafile " + pki.ca + "\ncertfile " + pki.server_cert + "\n";
    conf += "keyfile " + pki.server_key + "\nrequire_certificate true\n";
    iothub::testing::WriteFile(dir_.File("mosquitto.conf"), conf);
    process_ = std::make_unique<iothub::testing::Subprocess>(
        std::vector<std::string>{kMosquittoPath, "-c", dir_.File("mosquitto.conf")},
        dir_.File("broker.log"), dir_.File("broker.log"));
    const int port = port_;
    const bool up = WaitUntil(
        [&] { return !iothub::testing::TcpPortIsClosed(port) || !process_->Running(); }, 5s);
    if (up && process_->Running()) return true;
    Stop();
    return false;
  }

  const iothub::testing::TempDir& dir_;
  int port_ = 0;
  std::unique_ptr<iothub::testing::Subprocess> process_;
};

// A device played by a plain libmosquitto client (MQTT 3.1.1, TLS with the device
// certificate): it subscribes to every request topic and answers as `mode` says.
class FakeDevice {
 public:
  enum class Mode {
    kAnswer,        // {"id", "result": {"method", "params", "deviceId"}}
    kError,         // {"id", "error": {"code": -32002, "message": "boom"}}
    kSilent,        // no reply
    kUnknownFirst,  // a reply with an unknown id and a malformed one, then kAnswer's
  };

  explicit FakeDevice(int port, Mode mode = Mode::kAnswer) : mode_(mode) {
    const Pki& pki = TestPki();
    static const int init = mosquitto_lib_init();
    (void)init;
    mosq_ = mosquitto_new(nullptr, true, this);
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_tls_set(mosq_, pki.ca.c_str(), nullptr, pki.device_cert.c_str(),
                      pki.device_key.c_str(), nullptr);
    mosquitto_connect_callback_set(mosq_, [](mosquitto* m, void* obj, int rc) {
      if (rc == 0) mosquitto_subscribe(m, nullptr, "users/+/devices/+/rpc/request", 1);
    });
    mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* obj, int, int, const int*) {
      static_cast<FakeDevice*>(obj)->subscribed_ = true;
    });
    mosquitto_message_callback_set(mosq_,
                                   [](mosquitto* m, void* obj, const mosquitto_message* msg) {
                                     static_cast<FakeDevice*>(obj)->OnRequest(m, msg);
                                   });
    if (mosquitto_connect(mosq_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS) {
      mosquitto_loop_start(mosq_);
    }
  }
  ~FakeDevice() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }

  // True once subscribed (call before sending commands).
  bool WaitReady() {
    return WaitUntil([this] { return subscribed_.load(); }, 5s);
  }
  void set_mode(Mode mode) { mode_ = mode; }

  // The requests seen so far: (topic, payload).
  std::vector<std::pair<std::string, std::string>> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::size_t request_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.size();
  }

  // Publishes `payload` on `topic` at QoS 1 (e.g. a late reply).
  bool Publish(const std::string& topic, const std::string& payload) {
    return mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), 1, false) == MOSQ_ERR_SUCCESS;
  }

  static std::string ResponseTopicOf(std::string request_topic) {
    const std::string suffix = "/rpc/request";
    return request_topic.substr(0, request_topic.size() - suffix.size()) + "/rpc/response";
  }

 private:
  void OnRequest(mosquitto* m, const mosquitto_message* msg) {
    const std::string topic = msg->topic;
    const std::string payload(static_cast<const char*>(msg->payload), msg->payloadlen);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.emplace_back(topic, payload);
    }
    const Mode mode = mode_.load();
    if (mode == Mode::kSilent) return;
    const nlohmann::json request = nlohmann::json::parse(payload, nullptr, false);
    if (!request.is_object()) return;
    const std::string response_topic = ResponseTopicOf(topic);
    const auto send = [&](const nlohmann::json& body) {
      const std::string text = body.dump();
      mosquitto_publish(m, nullptr, response_topic.c_str(), static_cast<int>(text.size()),
                        text.data(), 1, false);
    };
    if (mode == Mode::kUnknownFirst) {
      send({{"id", "no-such-request"}, {"result", nlohmann::json::object()}});
      const std::string garbage = "{not json";
      mosquitto_publish(m, nullptr, response_topic.c_str(), static_cast<int>(garbage.size()),
                        garbage.data(), 1, false);
    }
    if (mode == Mode::kError) {
      send({{"id", request.value("id", "")}, {"error", {{"code", -32002}, {"message", "boom"}}}});
      return;
    }
    send({{"id", request.value("id", "")},
          {"result",
           {{"method", request.value("method", "")},
            {"params", request.value("params", nlohmann::json::object())},
            {"deviceId", request.value("deviceId", "")}}},
          {"timestamp", 1}});
  }

  std::atomic<Mode> mode_;
  std::atomic<bool> subscribed_{false};
  mosquitto* mosq_ = nullptr;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> requests_;
};

}  // namespace iothub::mqtt::testing
