#include "common/json_parse.h"

#include <cmath>
#include <exception>
#include <string>
#include <vector>

namespace iothub {
namespace {

using Json = nlohmann::json;

// A SAX handler that builds the DOM like nlohmann's own, with the refusals above. The
// depth check happens on each '{' / '[', so refused nesting is never built.
class LimitedDomBuilder {
 public:
  explicit LimitedDomBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() { return Add(nullptr); }
  bool boolean(bool v) { return Add(v); }
  bool number_integer(Json::number_integer_t v) { return Add(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return Add(v); }
  bool number_float(Json::number_float_t v, const Json::string_t&) {
    if (!std::isfinite(v)) return Refuse("number out of range");
    return Add(v);
  }
  bool string(Json::string_t& v) { return Add(std::move(v)); }
  bool binary(Json::binary_t&) { return Refuse("binary values not allowed"); }

  bool start_object(std::size_t) { return Open(Json::value_t::object); }
  bool start_array(std::size_t) { return Open(Json::value_t::array); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(Json::string_t& k) {
    auto& object = stack_.back()->get_ref<Json::object_t&>();
    auto [it, inserted] = object.emplace(std::move(k), nullptr);
    if (!inserted) return Refuse("duplicate key");
    slot_ = &it->second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    if (e.id == 406) return Refuse("number out of range");  // nlohmann: number overflow
    return Refuse("invalid JSON or UTF-8 at byte " + std::to_string(position));
  }

  Json& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  template <typename V>
  bool Add(V&& v) {
    Place(Json(std::forward<V>(v)));
    return true;
  }

  // Puts a value where the parser is: the root, the next array element or the slot of
  // the last key. Returns where it went.
  Json* Place(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json* top = stack_.back();
    if (top->is_array()) {
      auto& array = top->get_ref<Json::array_t&>();
      array.push_back(std::move(v));
      return &array.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }

  bool Open(Json::value_t type) {
    if (stack_.size() >= max_depth_) {
      return Refuse("nesting deeper than " + std::to_string(max_depth_));
    }
    stack_.push_back(Place(Json(type)));
    return true;
  }

  bool Close() {
    stack_.pop_back();
    return true;
  }

  bool Refuse(std::string reason) {
    if (error_.empty()) error_ = std::move(reason);
    return false;
  }

  std::size_t max_depth_;
  Json root_;
  std::vector<Json*> stack_;  // open containers; pointers stay valid (parents never grow
                              // while a child is open: only the child's slot is written)
  Json* slot_ = nullptr;
  std::string error_;
};

}  // namespace

absl::StatusOr<Json> ParseJson(std::string_view text, const JsonParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError("larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  LimitedDomBuilder builder(limits.max_depth);
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const std::exception&) {  // allocation failure; the handler itself never throws
    ok = false;
  }
  if (!ok) {
    return absl::InvalidArgumentError(builder.error().empty() ? "invalid JSON" : builder.error());
  }
  return std::move(builder.root());
}

const std::string* StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

std::optional<std::int64_t> IntegerMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace iothub
