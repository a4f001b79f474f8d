#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mc::accounts {

struct User {
  std::string id;
  std::string username;
  std::string email;
  std::string role;
  bool email_verified = false;
  std::optional<std::string> artist_name;
  std::optional<std::string> artist_slug;
  std::optional<std::string> genre;
  std::string created_at;
};

boost::json::object to_json(const User& u);

struct SessionInfo {
  std::string id;
  std::string created_at;
  std::string last_used_at;
  std::string expires_at;
  std::optional<std::string> user_agent;
  std::optional<std::string> ip;
};

struct Client {
  std::string user_agent;
  std::string ip;
};

struct RegisterInput {
  std::string username;
  std::string email;
  std::string password;
  std::string role;
  std::optional<std::string> artist_name;
  std::optional<std::string> genre;
};

}  // namespace mc::accounts
