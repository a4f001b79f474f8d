// memberships::access_for: the one answer to "which tier does U hold for artist A right now".
#include <gtest/gtest.h>

#include "features/memberships/tiers.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;
using memberships::Tier;

namespace {

constexpr db::Query kUser{"t_tier_user",
                          "INSERT INTO users (username, email, password_hash, role) VALUES ($1, $1 || '@x.test', 'x', $2) "
                          "RETURNING id"};
constexpr db::Query kArtist{"t_tier_artist",
                            "INSERT INTO artist_profiles (user_id, stage_name, slug) VALUES ($1, $2, $2)"};
constexpr db::Query kGrant{"t_tier_grant",
                           "INSERT INTO subscriptions (fan_id, artist_id, tier, status, current_period_end) "
                           "VALUES ($1, $2, $3, $4, now() + make_interval(days => $5::int))"};

class Tiers : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  std::string url = fresh_database();
  db::Cluster cluster{io.get_executor(), db::ClusterOptions{db::PoolOptions{"writer", url, 2, 10}}};

  awaitable<std::string> user(const std::string& name, const std::string& role) {
    auto tx = co_await cluster.begin();
    const auto r = co_await tx.exec(kUser, db::params(name, role));
    std::string id = r.str(0, 0);
    if (role == "artist") co_await tx.exec(kArtist, db::params(id, name));
    co_await tx.commit();
    co_return id;
  }
  // The test helper for granting tiers: the same table the memberships work writes.
  awaitable<void> grant(const std::string& fan, const std::string& artist, const std::string& tier,
                        const std::string& status, int days_left) {
    auto tx = co_await cluster.begin();
    co_await tx.exec(kGrant, db::params(fan, artist, tier, status, days_left));
    co_await tx.commit();
  }
  awaitable<memberships::Access> access(const std::optional<std::string>& viewer, const std::string& role,
                                        const std::string& artist) {
    const memberships::Viewer v{viewer, role};
    co_return co_await memberships::access_for(cluster, v, artist);
  }
};

}  // namespace

TEST_F(Tiers, follow_the_subscription_state) {
  run(io, [&]() -> awaitable<void> {
    const std::string artist = co_await user("band", "artist");
    const std::string other = co_await user("other_band", "artist");
    const std::string fan = co_await user("fan", "fan");
    const std::string lapsed = co_await user("lapsed", "fan");
    const std::string leaving = co_await user("leaving", "fan");
    const std::string gone = co_await user("gone", "fan");
    const std::string admin = co_await user("admin", "admin");

    auto a = co_await access(std::nullopt, "", artist);
    EXPECT_EQ(a.tier, Tier::free);
    EXPECT_FALSE(a.allows(Tier::supporter));

    a = co_await access(fan, "fan", artist);
    EXPECT_EQ(a.tier, Tier::free) << "following or nothing is free";

    co_await grant(fan, artist, "supporter", "active", 20);
    a = co_await access(fan, "fan", artist);
    EXPECT_EQ(a.tier, Tier::supporter);
    EXPECT_TRUE(a.allows(Tier::supporter));
    EXPECT_FALSE(a.allows(Tier::superfan));
    a = co_await access(fan, "fan", other);
    EXPECT_EQ(a.tier, Tier::free) << "tiers are per artist";

    co_await grant(lapsed, artist, "superfan", "past_due", 5);
    a = co_await access(lapsed, "fan", artist);
    EXPECT_EQ(a.tier, Tier::free) << "past_due stops paid perks";

    co_await grant(leaving, artist, "superfan", "canceled", 3);
    a = co_await access(leaving, "fan", artist);
    EXPECT_EQ(a.tier, Tier::superfan) << "cancelled keeps access until the period ends";

    co_await grant(gone, artist, "superfan", "canceled", -1);
    a = co_await access(gone, "fan", artist);
    EXPECT_EQ(a.tier, Tier::free);

    a = co_await access(artist, "artist", artist);
    EXPECT_TRUE(a.sees_everything);
    a = co_await access(other, "artist", artist);
    EXPECT_FALSE(a.sees_everything) << "another artist is a fan here";
    a = co_await access(admin, "admin", artist);
    EXPECT_TRUE(a.sees_everything);
  }());
}
