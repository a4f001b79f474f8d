#include "features/accounts/model.hpp"

namespace mc::accounts {

boost::json::object to_json(const User& u) {
  auto opt = [](const std::optional<std::string>& v) -> boost::json::value {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"role", u.role},
          {"emailVerified", u.email_verified},
          {"artistName", opt(u.artist_name)},
          {"artistSlug", opt(u.artist_slug)},
          {"genre", opt(u.genre)},
          {"createdAt", u.created_at}};
}

}  // namespace mc::accounts
