#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::accounts {

// zxcvbn's estimate (Debian's libzxcvbn, the C port of Dropbox's estimator; the web app runs
// @zxcvbn-ts/core with the same threshold) of how many guesses a password takes, as zxcvbn's 0-4
// score: 0 < 10^3, 1 < 10^6, 2 < 10^8, 3 < 10^10 guesses, 4 beyond.
struct PasswordStrength {
  int score = 0;
  std::string weakness;  // what makes it guessable, for the error message ("a common word", ...)
};

// New passwords need this score: about 10^8 guesses, out of reach of an online attack and costly
// offline against argon2id.
inline constexpr int kMinPasswordScore = 3;

// `user_words` (username, the parts of the email) count as words an attacker would try first.
PasswordStrength estimate_password(std::string_view password, const std::vector<std::string>& user_words);

}  // namespace mc::accounts
