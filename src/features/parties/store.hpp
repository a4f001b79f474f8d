#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The listening parties' SQL: parties with their authoritative playback state, co-hosts, mutes
// and chat.
namespace mc::parties::store {

using boost::asio::awaitable;

struct Party {
  std::string id, artist_id, artist_name, title, min_tier;
  int capacity = 0;
  std::vector<std::string> queue;  // track ids
  std::string status;
  std::optional<std::string> scheduled_at, started_at, ended_at;
  int queue_index = 0;
  int64_t position_ms = 0;
  bool playing = false;
  double state_at_ms = 0;  // unix milliseconds
  int state_version = 0;
  int peak_listeners = 0, message_count = 0, reaction_count = 0;
  std::string created_at;
};

struct QueuedTrack {
  std::string id, title, min_tier, status;
  std::optional<double> duration_s;
};

struct ChatMessage {
  int64_t id = 0;
  std::string party_id, user_id, username, body, created_at;
};

struct NewParty {
  std::string title, min_tier;
  int capacity = 0;
  std::vector<std::string> queue;
  std::optional<std::string> scheduled_at;
};

struct State {
  int queue_index = 0;
  int64_t position_ms = 0;
  bool playing = false;
  double state_at_ms = 0;
};

awaitable<Party> insert(db::Transaction& tx, const std::string& artist_id, const NewParty& p);
awaitable<std::optional<Party>> get(db::Cluster& db, const std::string& id, std::optional<db::Lsn> token);
awaitable<std::optional<Party>> lock(db::Transaction& tx, const std::string& id);
awaitable<std::vector<Party>> list(db::Cluster& db, const std::optional<std::string>& artist_id,
                                   bool include_ended, int limit, int offset, std::optional<db::Lsn> token);
// The artist's tracks among `ids`, in the order given (missing ones are left out).
awaitable<std::vector<QueuedTrack>> tracks(db::Cluster& db, const std::string& artist_id,
                                           const std::vector<std::string>& ids, std::optional<db::Lsn> token);
awaitable<void> set_status(db::Transaction& tx, const std::string& id, const std::string& status);
// Saves a new playback state; returns its version.
awaitable<int> set_state(db::Transaction& tx, const std::string& id, const State& s);
awaitable<bool> is_cohost(db::Cluster& db, const std::string& party_id, const std::string& user_id);
awaitable<bool> is_cohost(db::Transaction& tx, const std::string& party_id, const std::string& user_id);
awaitable<std::vector<std::string>> cohosts(db::Cluster& db, const std::string& party_id,
                                            std::optional<db::Lsn> token);
awaitable<void> set_cohost(db::Transaction& tx, const std::string& party_id, const std::string& user_id,
                           bool on);
awaitable<bool> is_muted(db::Transaction& tx, const std::string& party_id, const std::string& user_id);
awaitable<void> set_muted(db::Transaction& tx, const std::string& party_id, const std::string& user_id,
                          bool on);
awaitable<ChatMessage> insert_message(db::Transaction& tx, const std::string& party_id,
                                      const std::string& user_id, const std::string& body);
// Soft-deletes; returns the author, or nullopt when there is no such live message in the party.
awaitable<std::optional<std::string>> delete_message(db::Transaction& tx, const std::string& party_id,
                                                     int64_t message_id);
awaitable<std::vector<ChatMessage>> messages(db::Cluster& db, const std::string& party_id,
                                             std::optional<int64_t> before, int limit,
                                             std::optional<db::Lsn> token);
awaitable<void> count_reaction(db::Transaction& tx, const std::string& party_id);
awaitable<void> record_listeners(db::Cluster& db, const std::string& party_id, int listeners);

}  // namespace mc::parties::store
