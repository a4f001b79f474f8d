#include <gtest/gtest.h>

#include <map>

#include "core/config.hpp"

using namespace mc;

namespace {
EnvReader env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    if (auto it = vars.find(k); it != vars.end()) return it->second;
    return std::nullopt;
  };
}
}  // namespace

TEST(Config, defaults_need_no_configuration) {
  const Config c = load_config(env({}));
  EXPECT_EQ(c.port, 8080);
  EXPECT_TRUE(c.embedded_database());
  EXPECT_EQ(c.json_body_limit, 1u << 20);
  EXPECT_EQ(c.rate_api_per_min, 600u);
}

TEST(Config, production_refuses_missing_secrets) {
  try {
    load_config(env({{"APP_ENV", "production"}}));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("JWT_SECRET"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("DATABASE_URL"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("MEDIA_URL_SECRET"), std::string::npos);
  }
}

TEST(Config, cloudfront_signing_needs_its_key_and_cdn) {
  try {
    load_config(env({{"MEDIA_URL_SIGNING", "cloudfront"}}));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CDN_URL"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("CLOUDFRONT_PRIVATE_KEY"), std::string::npos);
  }
}

TEST(Config, invalid_numbers_are_named) {
  try {
    load_config(env({{"PORT", "eighty"}, {"DB_POOL_SIZE", "0"}}));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("PORT=eighty"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("DB_POOL_SIZE=0"), std::string::npos);
  }
}

TEST(Config, help_lists_every_variable_read) {
  const std::string help = config_help();
  for (const char* v : {"PORT", "DATABASE_URL", "DATABASE_READ_URL", "JWT_SECRET", "SMTP_URL",
                        "RATE_LIMIT_LOGIN_PER_MIN", "HTTP_JSON_BODY_LIMIT", "REGION"}) {
    EXPECT_NE(help.find(v), std::string::npos) << v;
  }
}

TEST(Config, s3_storage_needs_its_endpoint_bucket_and_keys) {
  try {
    load_config(env({{"MEDIA_STORAGE", "s3"}, {"S3_BUCKET", "media"}}));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("S3_ENDPOINT"), std::string::npos);
    EXPECT_NE(msg.find("S3_ACCESS_KEY_ID"), std::string::npos);
    EXPECT_EQ(msg.find("S3_BUCKET:"), std::string::npos);
  }
  EXPECT_EQ(load_config(env({{"VAR_DIR", "/srv/mc"}})).media_dir, "/srv/mc/media");
}
