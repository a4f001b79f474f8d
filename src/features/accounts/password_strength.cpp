#include "features/accounts/password_strength.hpp"

#include <zxcvbn.h>

#include <cmath>

namespace mc::accounts {
namespace {

// zxcvbn's cost grows faster than linearly with length; a long tail adds nothing it could judge.
constexpr std::size_t kEstimatedPrefix = 100;

const char* reason(ZxcTypeMatch_t type) {
  switch (static_cast<int>(type) & ~MULTIPLE_MATCH) {
    case DICTIONARY_MATCH:
    case DICT_LEET_MATCH:
      return "a common word or password";
    case USER_MATCH:
    case USER_LEET_MATCH:
      return "your username or email";
    case REPEATS_MATCH:
      return "repeated characters";
    case SEQUENCE_MATCH:
      return "a sequence such as abc or 123";
    case SPATIAL_MATCH:
      return "a keyboard pattern such as qwerty";
    case DATE_MATCH:
    case YEAR_MATCH:
      return "a date or year";
    default:
      return nullptr;
  }
}

int score_of(double bits) {
  const double guesses = std::pow(2.0, bits);
  if (guesses < 1e3) return 0;
  if (guesses < 1e6) return 1;
  if (guesses < 1e8) return 2;
  if (guesses < 1e10) return 3;
  return 4;
}

}  // namespace

PasswordStrength estimate_password(std::string_view password, const std::vector<std::string>& user_words) {
  const std::string text(password.substr(0, kEstimatedPrefix));
  std::vector<const char*> dict;
  for (const auto& w : user_words) {
    if (w.size() >= 3) dict.push_back(w.c_str());
  }
  dict.push_back(nullptr);
  ZxcMatch_t* info = nullptr;
  const double bits = ZxcvbnMatch(text.c_str(), dict.data(), &info);
  PasswordStrength out{score_of(bits), {}};
  for (const ZxcMatch_t* m = info; m; m = m->Next) {
    const char* why = reason(m->Type);
    if (!why || out.weakness.find(why) != std::string::npos) continue;
    out.weakness += (out.weakness.empty() ? "" : ", ") + std::string(why);
  }
  ZxcvbnFreeInfo(info);
  if (out.weakness.empty()) out.weakness = "too few characters of too few kinds";
  return out;
}

}  // namespace mc::accounts
