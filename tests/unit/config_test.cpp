#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "core/config.hpp"

using namespace mc;

namespace {
EnvReader env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    if (auto it = vars.find(k); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

// What scripts/run.sh sets: a local run with generated secrets and the embedded database.
EnvReader dev(std::map<std::string, std::string> vars) {
  vars.emplace("APP_ENV", "development");
  return env(std::move(vars));
}

const std::map<std::string, std::string> kProductionSecrets{{"APP_ENV", "production"},
                                                            {"JWT_SECRET", std::string(32, 'j')},
                                                            {"MEDIA_URL_SECRET", std::string(32, 'm')},
                                                            {"DATABASE_URL", "postgresql://db/mc"}};
}  // namespace

TEST(Config, the_default_is_production_and_refuses_to_invent_secrets) {
  try {
    load_config(env({}));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    for (const char* v : {"JWT_SECRET", "DATABASE_URL", "MEDIA_URL_SECRET", "STRIPE_SECRET_KEY", "APP_ENV"}) {
      EXPECT_NE(msg.find(v), std::string::npos) << v << " in " << msg;
    }
  }
}

TEST(Config, production_refuses_the_payments_sandbox) {
  try {
    load_config(env(kProductionSecrets));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("STRIPE_SECRET_KEY"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("JWT_SECRET"), std::string::npos) << msg;
  }
  auto vars = kProductionSecrets;
  vars.emplace("STRIPE_SECRET_KEY", "sk_live_x");
  try {
    load_config(env(vars));
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("STRIPE_WEBHOOK_SECRET"), std::string::npos);
  }
  vars.emplace("STRIPE_WEBHOOK_SECRET", "whsec_x");
  EXPECT_TRUE(load_config(env(vars)).stripe_enabled());
}

TEST(Config, development_needs_no_configuration) {
  const Config c = load_config(dev({}));
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

// Issue 13: a long name ran into its description ("RATE_LIMIT_UPLOADS_PER_HOURuploads per hour").
TEST(Config, help_keeps_names_and_descriptions_apart) {
  const std::string help = config_help();
  std::istringstream lines(help);
  std::string line;
  std::size_t column = 0;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("  ", 0) != 0 || line.size() < 3 || line[2] == ' ') continue;  // a variable's row
    const auto name_end = line.find(' ', 2);
    ASSERT_NE(name_end, std::string::npos) << line;
    const auto desc = line.find_first_not_of(' ', name_end);
    ASSERT_NE(desc, std::string::npos) << line;
    EXPECT_GE(desc - name_end, 2u) << "name and description touch: " << line;
    if (column == 0) column = desc;
    EXPECT_EQ(desc, column) << "descriptions start in one column: " << line;
    ++rows;
  }
  EXPECT_GT(rows, 20);
  EXPECT_NE(help.find("RATE_LIMIT_UPLOADS_PER_HOUR  "), std::string::npos);
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
  EXPECT_EQ(load_config(dev({{"VAR_DIR", "/srv/mc"}})).media_dir, "/srv/mc/media");
}
