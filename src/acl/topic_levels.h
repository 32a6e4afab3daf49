// TopicLevels: walks the '/'-separated levels of an MQTT topic name or filter without
// allocating. A plain value over a string_view (the caller keeps the text alive); copies
// are cheap and independent, which the rule trie uses to branch. Not synchronized, but
// it touches no shared state, so each thread may use its own.
#pragma once

#include <cstddef>
#include <string_view>

namespace iothub::acl {

// Yields every level, empty ones included: "a//b" -> "a", "", "b"; "/" -> "", "";
// "a/" -> "a", "". An empty text yields one empty level.
class TopicLevels {
 public:
  constexpr explicit TopicLevels(std::string_view text) : text_(text) {}

  // Stores the next level in *level and returns true, or returns false at the end.
  constexpr bool Next(std::string_view* level) {
    if (done_) return false;
    const std::size_t slash = text_.find('/', pos_);
    if (slash == std::string_view::npos) {
      *level = text_.substr(pos_);
      pos_ = text_.size();
      done_ = true;
    } else {
      *level = text_.substr(pos_, slash - pos_);
      pos_ = slash + 1;
    }
    return true;
  }

  // True once the last level has been returned.
  constexpr bool done() const { return done_; }

  // The levels not yet returned, joined by '/' as in the original text; empty when done.
  // Note: after "a/" has yielded "a", rest() is "" but one (empty) level remains.
  constexpr std::string_view rest() const { return text_.substr(pos_); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

}  // namespace iothub::acl
