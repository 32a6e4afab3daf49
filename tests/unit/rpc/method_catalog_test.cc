#include "rpc/method_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace iothub::rpc {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

struct Case {
  const char* method;
  const char* params;  // JSON text; "" means absent
  const char* error;   // "" means valid; else the exact status message
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.method << " " << c.params; }

class ParamsTest : public ::testing::TestWithParam<Case> {};

// Each case pins one rule of the contract's schemas (section 3) and its error text.
TEST_P(ParamsTest, FollowsSchema) {
  const Case& c = GetParam();
  const Json params = std::string(c.params).empty() ? Json() : Json::parse(c.params);
  const absl::Status status = ValidateParams(std::string_view(c.method), params);
  if (std::string(c.error).empty()) {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), c.error);
  }
}

constexpr char kMinutes[] = "must be an integer 0-1439";
constexpr char kCount[] = "must be an integer >= 0";

#define MINUTES(m, f)                                                                             \
  Case{m, R"({"id":"x",")" f R"(":0})", ""}, Case{m, R"({"id":"x",")" f R"(":1439})", ""},        \
      Case{m, R"({"id":"x",")" f R"(":-1})", "params." f ": must be an integer 0-1439"},          \
      Case{m, R"({"id":"x",")" f R"(":1440})", "params." f ": must be an integer 0-1439"},        \
      Case{m, R"({"id":"x",")" f R"(":1.5})", "params." f ": must be an integer 0-1439"},         \
      Case{m, R"({"id":"x",")" f R"(":10.0})", "params." f ": must be an integer 0-1439"}, Case { \
    m, R"({"id":"x",")" f R"(":"10"})", "params." f ": must be an integer 0-1439"                 \
  }
#define STRING(m, f)                                                                              \
  Case{m, R"({"id":"x",")" f R"(":"a"})", ""}, Case{m, R"({"id":"x",")" f R"(":""})", ""}, Case { \
    m, R"({"id":"x",")" f R"(":1})", "params." f ": must be a string"                             \
  }
#define BOOL(m, f)                                                                             \
  Case{m, R"({"id":"x",")" f R"(":true})", ""}, Case{m, R"({"id":"x",")" f R"(":false})", ""}, \
      Case{m, R"({"id":"x",")" f R"(":1})", "params." f ": must be a boolean"}, Case {         \
    m, R"({"id":"x",")" f R"(":"true"})", "params." f ": must be a boolean"                    \
  }
#define COUNT(m, f)                                                                              \
  Case{m, R"({"id":"x",")" f R"(":0})", ""}, Case{m, R"({"id":"x",")" f R"(":4000000000})", ""}, \
      Case{m, R"({"id":"x",")" f R"(":-1})", "params." f ": must be an integer >= 0"},           \
      Case{m, R"({"id":"x",")" f R"(":2.5})", "params." f ": must be an integer >= 0"}, Case {   \
    m, R"({"id":"x",")" f R"(":null})", "params." f ": must be an integer >= 0"                  \
  }
#define RANGE(m, f, lo, hi, rule)                                                                 \
  Case{m, R"({"id":"x",")" f R"(":)" lo "}", ""}, Case{m, R"({"id":"x",")" f R"(":)" hi "}", ""}, \
      Case{m, R"({"id":"x",")" f R"(":0.5})", ""},                                                \
      Case{m, R"({"id":"x",")" f R"(":-0.01})", "params." f ": " rule},                           \
      Case{m, R"({"id":"x",")" f R"(":)" hi "0.01}", "params." f ": " rule}, Case {               \
    m, R"({"id":"x",")" f R"(":"1"})", "params." f ": " rule                                      \
  }
#define MODE3(m)                                                                                \
  Case{m, R"({"id":"x","mode":"on"})", ""}, Case{m, R"({"id":"x","mode":"off"})", ""},          \
      Case{m, R"({"id":"x","mode":"auto"})", ""},                                               \
      Case{m, R"({"id":"x","mode":"preset"})", "params.mode: must be one of on, off, auto"},    \
      Case{m, R"({"id":"x","mode":"ON"})", "params.mode: must be one of on, off, auto"}, Case { \
    m, R"({"id":"x","mode":1})", "params.mode: must be one of on, off, auto"                    \
  }
#define COMMON(m)                                                                            \
  Case{m, R"({"id":"x"})", ""}, Case{m, R"({})", "params.id: required"},                     \
      Case{m, "", "params.id: required"}, Case{m, R"({"name":"a"})", "params.id: required"}, \
      Case{m, R"({"id":""})", "params.id: must be a non-empty string"},                      \
      Case{m, R"({"id":7})", "params.id: must be a non-empty string"},                       \
      Case{m, R"({"id":"x","bogus":1})", "params.bogus: unknown field"},                     \
      Case{m, R"([1])", "params: must be an object"}, STRING(m, "name"), STRING(m, "output")
#define ALARM(m)                                                                                 \
  Case{m, R"({"id":"x","alarm":{"upperLimit":30,"lowerLimit":-5.5}})", ""},                      \
      Case{m, R"({"id":"x","alarm":{"upperLimit":30}})", "params.alarm.lowerLimit: required"},   \
      Case{m, R"({"id":"x","alarm":{"lowerLimit":1}})", "params.alarm.upperLimit: required"},    \
      Case{m, R"({"id":"x","alarm":{"upperLimit":"a","lowerLimit":1}})",                         \
           "params.alarm.upperLimit: must be a number"},                                         \
      Case{m, R"({"id":"x","alarm":{"upperLimit":1,"lowerLimit":1,"x":1}})",                     \
           "params.alarm.x: unknown field"},                                                     \
      Case {                                                                                     \
    m, R"({"id":"x","alarm":[1,2]})", "params.alarm: must be an object {upperLimit, lowerLimit}" \
  }

INSTANTIATE_TEST_SUITE_P(
    DiscreteTimer, ParamsTest,
    ::testing::Values(
        COMMON("updateDiscreteTimer"), BOOL("updateDiscreteTimer", "enabled"),
        MODE3("updateDiscreteTimer"), MINUTES("updateDiscreteTimer", "startTime"),
        MINUTES("updateDiscreteTimer", "endTime"),
        Case{"updateDiscreteTimer", R"({"id":"x","sunriseTime":1})",
             "params.sunriseTime: unknown field"},
        Case{
            "updateDiscreteTimer",
            R"({"id":"t1","name":"n","enabled":true,"mode":"auto","startTime":60,"endTime":120,"output":"o1"})",
            ""}));

INSTANTIATE_TEST_SUITE_P(
    AnalogTimer, ParamsTest,
    ::testing::Values(COMMON("updateAnalogTimer"), BOOL("updateAnalogTimer", "enabled"),
                      MODE3("updateAnalogTimer"), MINUTES("updateAnalogTimer", "sunriseTime"),
                      MINUTES("updateAnalogTimer", "sunsetTime"),
                      RANGE("updateAnalogTimer", "maxLightLevel", "0", "1", "must be a number 0-1"),
                      Case{"updateAnalogTimer", R"({"id":"x","fadeTime":0})", ""},
                      Case{"updateAnalogTimer", R"({"id":"x","fadeTime":1e6})", ""},
                      Case{"updateAnalogTimer", R"({"id":"x","fadeTime":-0.5})",
                           "params.fadeTime: must be a number >= 0"},
                      Case{"updateAnalogTimer", R"({"id":"x","fadeTime":true})",
                           "params.fadeTime: must be a number >= 0"},
                      Case{"updateAnalogTimer", R"({"id":"x","startTime":1})",
                           "params.startTime: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    DiscreteRegulator, ParamsTest,
    ::testing::Values(
        COMMON("updateDiscreteRegulator"), MODE3("updateDiscreteRegulator"),
        STRING("updateDiscreteRegulator", "parameter"),
        Case{"updateDiscreteRegulator", R"({"id":"x","setpoint":-273.5})", ""},
        Case{"updateDiscreteRegulator", R"({"id":"x","setpoint":"20"})",
             "params.setpoint: must be a number"},
        RANGE("updateDiscreteRegulator", "hysteresis", "0", "10", "must be a number 0-10"),
        ALARM("updateDiscreteRegulator"),
        Case{"updateDiscreteRegulator", R"({"id":"x","enabled":true})",
             "params.enabled: unknown field"},
        Case{"updateDiscreteRegulator", R"({"id":"x","Kp":1})", "params.Kp: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    AnalogRegulator, ParamsTest,
    ::testing::Values(COMMON("updateAnalogRegulator"), MODE3("updateAnalogRegulator"),
                      STRING("updateAnalogRegulator", "parameter"),
                      Case{"updateAnalogRegulator", R"({"id":"x","type":"digital"})", ""},
                      Case{"updateAnalogRegulator", R"({"id":"x","type":"analog"})", ""},
                      Case{"updateAnalogRegulator", R"({"id":"x","type":"pwm"})",
                           "params.type: must be one of digital, analog"},
                      Case{"updateAnalogRegulator", R"({"id":"x","setpoint":1.25})", ""},
                      Case{"updateAnalogRegulator", R"({"id":"x","setpoint":null})",
                           "params.setpoint: must be a number"},
                      RANGE("updateAnalogRegulator", "Kp", "0", "100", "must be a number 0-100"),
                      RANGE("updateAnalogRegulator", "Ki", "0", "100", "must be a number 0-100"),
                      RANGE("updateAnalogRegulator", "Kd", "0", "100", "must be a number 0-100"),
                      ALARM("updateAnalogRegulator"),
                      Case{"updateAnalogRegulator", R"({"id":"x","hysteresis":1})",
                           "params.hysteresis: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    Irrigator, ParamsTest,
    ::testing::Values(
        COMMON("updateIrrigator"), BOOL("updateIrrigator", "enabled"),
        BOOL("updateIrrigator", "autoManualOff"), MINUTES("updateIrrigator", "startTime"),
        MINUTES("updateIrrigator", "endTime"), COUNT("updateIrrigator", "numbIrrigations"),
        COUNT("updateIrrigator", "irrigationwindow"),
        COUNT("updateIrrigator", "autoManualOffInterval"),
        Case{"updateIrrigator", R"({"id":"x","mode":"on"})", ""},
        Case{"updateIrrigator", R"({"id":"x","mode":"off"})", ""},
        Case{"updateIrrigator", R"({"id":"x","mode":"auto"})", ""},
        Case{"updateIrrigator", R"({"id":"x","mode":"preset"})", ""},
        Case{"updateIrrigator", R"({"id":"x","mode":"manual"})",
             "params.mode: must be one of on, off, auto, preset"},
        Case{"updateIrrigator", R"({"id":"x","preset":[]})", ""},
        Case{"updateIrrigator",
             R"({"id":"x","preset":[{"startTime":0,"endTime":1439},{"startTime":5,"endTime":6}]})",
             ""},
        Case{"updateIrrigator", R"({"id":"x","preset":{"startTime":0,"endTime":1}})",
             "params.preset: must be an array of {startTime, endTime}"},
        Case{"updateIrrigator", R"({"id":"x","preset":[{"startTime":0,"endTime":1},3]})",
             "params.preset[1]: must be an object {startTime, endTime}"},
        Case{"updateIrrigator", R"({"id":"x","preset":[{"startTime":0}]})",
             "params.preset[0].endTime: required"},
        Case{"updateIrrigator", R"({"id":"x","preset":[{"startTime":1440,"endTime":1}]})",
             "params.preset[0].startTime: must be an integer 0-1439"},
        Case{"updateIrrigator", R"({"id":"x","preset":[{"startTime":1,"endTime":-1}]})",
             "params.preset[0].endTime: must be an integer 0-1439"},
        Case{"updateIrrigator", R"({"id":"x","preset":[{"startTime":1,"endTime":2,"day":1}]})",
             "params.preset[0].day: unknown field"},
        Case{"updateIrrigator", R"({"id":"x","irrigationWindow":1})",
             "params.irrigationWindow: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    ParamLess, ParamsTest,
    ::testing::Values(
        Case{"getDeviceState", "", ""}, Case{"getDeviceState", "{}", ""},
        Case{"getDeviceState", R"({"a":1})", "params.a: unknown field (no parameters taken)"},
        Case{"getSensors", "", ""}, Case{"getSensors", "{}", ""},
        Case{"getSensors", R"({"id":"x"})", "params.id: unknown field (no parameters taken)"},
        Case{"reboot", "", ""}, Case{"reboot", "{}", ""},
        Case{"reboot", R"({"delay":5})", "params.delay: unknown field (no parameters taken)"},
        Case{"reboot", "[]", "params: must be an object"}));

// A method outside the catalog is NotFound with the contract's message.
TEST(MethodCatalogTest, UnknownMethodIsNotFound) {
  const absl::Status status = ValidateParams(std::string_view("selfDestruct"), Json::object());
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "Unknown method: selfDestruct");
}

// Names round-trip; lookups are case-sensitive.
TEST(MethodCatalogTest, NamesRoundTrip) {
  for (std::size_t i = 0; i < kMethodCount; ++i) {
    const auto m = static_cast<Method>(i);
    EXPECT_EQ(ParseMethod(MethodName(m)), m);
  }
  EXPECT_EQ(ParseMethod("reboot"), Method::kReboot);
  EXPECT_EQ(ParseMethod("Reboot"), std::nullopt);
  EXPECT_EQ(ParseMethod(""), std::nullopt);
}

// A non-finite number built in code (the parser never makes one) is still refused.
TEST(MethodCatalogTest, RefusesNonFiniteNumbers) {
  Json params = {{"id", "x"}, {"setpoint", std::numeric_limits<double>::infinity()}};
  EXPECT_THAT(std::string(ValidateParams(Method::kUpdateDiscreteRegulator, params).message()),
              HasSubstr("params.setpoint"));
}

}  // namespace
}  // namespace iothub::rpc
