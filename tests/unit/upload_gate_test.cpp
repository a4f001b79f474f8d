#include <gtest/gtest.h>

#include <filesystem>
#include <variant>

#include "http/upload_gate.hpp"

using namespace mc;
using namespace mc::http;

namespace {

UploadLimits limits(unsigned per_user, std::uint64_t budget, std::uint64_t min_free = 0) {
  return UploadLimits{per_user, budget, min_free,
                      std::filesystem::temp_directory_path() / "mc-gate-test-missing"};
}

int refusal_status(std::variant<UploadGate::Ticket, ApiError>& v) {
  const auto* e = std::get_if<ApiError>(&v);
  return e ? e->status() : 0;
}

std::string refusal_code(std::variant<UploadGate::Ticket, ApiError>& v) {
  const auto* e = std::get_if<ApiError>(&v);
  return e ? e->code() : "";
}

}  // namespace

TEST(UploadGate, LimitsUploadsInFlightPerUser) {
  UploadGate gate(limits(2, 1000));
  auto a = gate.admit("u1", 10);
  auto b = gate.admit("u1", 10);
  ASSERT_EQ(refusal_status(a), 0);
  ASSERT_EQ(refusal_status(b), 0);
  auto c = gate.admit("u1", 10);
  EXPECT_EQ(refusal_status(c), 429);
  EXPECT_EQ(refusal_code(c), "too_many_uploads");
  auto other = gate.admit("u2", 10);
  EXPECT_EQ(refusal_status(other), 0);  // another user is not affected
  EXPECT_EQ(gate.in_flight("u1"), 2u);
  a = ApiError(0, "", "");  // the first upload ends: its ticket goes
  EXPECT_EQ(gate.in_flight("u1"), 1u);
  auto d = gate.admit("u1", 10);
  EXPECT_EQ(refusal_status(d), 0);
}

TEST(UploadGate, SharesTheSpoolBudget) {
  UploadGate gate(limits(10, 100));
  auto big = gate.admit("big", 101);
  EXPECT_EQ(refusal_code(big), "payload_too_large");
  auto a = gate.admit("a", 60);
  ASSERT_EQ(refusal_status(a), 0);
  auto b = gate.admit("b", 50);
  EXPECT_EQ(refusal_status(b), 503);
  EXPECT_EQ(refusal_code(b), "uploads_busy");
  EXPECT_EQ(gate.reserved_bytes(), 60u);
  auto c = gate.admit("c", 40);
  EXPECT_EQ(refusal_status(c), 0);
  EXPECT_EQ(gate.reserved_bytes(), 100u);
  {
    UploadGate::Ticket moved = std::move(std::get<UploadGate::Ticket>(a));
    EXPECT_EQ(gate.reserved_bytes(), 100u);  // a moved ticket still holds its bytes, once
  }
  EXPECT_EQ(gate.reserved_bytes(), 40u);
  auto d = gate.admit("b", 50);
  EXPECT_EQ(refusal_status(d), 0);
}

TEST(UploadGate, KeepsTheDisksFreeSpaceFloor) {
  // No filesystem has an exabyte free: every upload would take the disk below the floor.
  UploadGate gate(limits(10, 1000, std::uint64_t{1} << 60));
  auto a = gate.admit("u", 1);
  EXPECT_EQ(refusal_status(a), 507);
  EXPECT_EQ(refusal_code(a), "insufficient_storage");
  EXPECT_EQ(gate.reserved_bytes(), 0u);
  EXPECT_EQ(gate.in_flight("u"), 0u);
  UploadGate roomy(limits(10, 1000, 0));
  auto b = roomy.admit("u", 1);
  EXPECT_EQ(refusal_status(b), 0);
}
