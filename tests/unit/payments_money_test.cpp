// SPEC §3 money rules: the split and its test vectors, reversals, proration, and the webhook
// signature scheme (t=, several v1=, 300 s tolerance, secret rotation).
#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "payments/ledger.hpp"
#include "payments/money.hpp"
#include "payments/signature.hpp"
#include "payments/stripe.hpp"

using namespace mc::payments;

TEST(Money, spec_test_vectors_come_out_exact) {
  const Split a = split(1000);
  EXPECT_EQ(a.processor_fee, 59);
  EXPECT_EQ(a.platform_fee, 94);
  EXPECT_EQ(a.artist, 847);
  const Split b = split(500);
  EXPECT_EQ(b.processor_fee, 45);
  EXPECT_EQ(b.platform_fee, 46);
  EXPECT_EQ(b.artist, 409);
}

TEST(Money, shares_always_add_up_and_are_never_negative) {
  for (int64_t amount : {1, 2, 30, 31, 99, 100, 101, 333, 499, 501, 999, 1001, 12345, 100000, 99999999}) {
    for (int bps : {0, 500, 1000, 2500}) {
      const Split s = split(amount, bps);
      EXPECT_EQ(s.processor_fee + s.platform_fee + s.artist, amount) << amount;
      EXPECT_GE(s.artist, 0) << amount;
      EXPECT_GE(s.platform_fee, 0) << amount;
    }
  }
}

TEST(Money, bad_amounts_are_refused) {
  EXPECT_THROW(split(0), std::invalid_argument);
  EXPECT_THROW(split(-5), std::invalid_argument);
  EXPECT_THROW(split(kMaxAmountCents + 1), std::invalid_argument);
}

TEST(Money, half_up_rounding_on_integers) {
  EXPECT_EQ(div_round_half_up(145, 10), 15);
  EXPECT_EQ(div_round_half_up(144, 10), 14);
  EXPECT_EQ(div_round_half_up(-145, 10), -15);
}

TEST(Money, partial_reversals_add_up_to_the_whole) {
  const Split s = split(1000);
  EXPECT_EQ(reverse_share(s, 1000).artist, 847);
  const Split half = reverse_share(s, 500);
  EXPECT_EQ(half.amount, 500);
  EXPECT_EQ(half.artist + half.platform_fee + half.processor_fee, 500);
  EXPECT_EQ(half.artist, 424);  // 423.5 rounds half up
  EXPECT_THROW(reverse_share(s, 1001), std::invalid_argument);
}

TEST(Money, upgrade_proration_charges_the_difference_for_the_time_left) {
  EXPECT_EQ(proration(500, 1000, 15, 30), 250);
  EXPECT_EQ(proration(500, 1000, 30, 30), 500);
  EXPECT_EQ(proration(1000, 500, 15, 30), 0) << "downgrades are not charged";
  EXPECT_EQ(proration(500, 1000, 0, 30), 0);
}

TEST(Ledger, postings_balance) {
  const Split s = split(1000);
  for (const auto& p : {ledger::charge("subscription", "in_1", "p", "a", "USD", s),
                        ledger::reversal("refund", "ch_1", "p", "a", "USD", s),
                        ledger::reinstatement("dp_1", "p", "a", "USD", s), ledger::payout_reserved("x", "a", "USD", 1200),
                        ledger::payout_sent("x", "a", "USD", 1200), ledger::payout_failed("x", "a", "USD", 1200, true)}) {
    int64_t sum = 0;
    for (const auto& e : p.entries) sum += e.amount;
    EXPECT_EQ(sum, 0) << p.kind;
  }
}

TEST(WebhookSignature, accepts_any_v1_for_any_secret_within_tolerance) {
  mc::crypto_init();
  const std::string body = R"({"id":"evt_1","type":"invoice.paid"})";
  const int64_t t = 1'700'000'000;
  const std::string good = signature_header(body, "whsec_new", t);
  EXPECT_EQ(verify_signature(good, body, {"whsec_new"}, t), SignatureCheck::ok);
  // Rotation: our previous secret still verifies; several v1 values, one of them ours.
  const std::string old_sig = signature_header(body, "whsec_old", t).substr(std::string("t=1700000000,").size());
  const std::string both = "t=1700000000,v1=" + std::string(64, '0') + "," + old_sig;
  EXPECT_EQ(verify_signature(both, body, {"whsec_new", "whsec_old"}, t), SignatureCheck::ok);
  EXPECT_EQ(verify_signature(both, body, {"whsec_new"}, t), SignatureCheck::mismatch);
  EXPECT_EQ(verify_signature(good, body + " ", {"whsec_new"}, t), SignatureCheck::mismatch) << "tampered body";
  EXPECT_EQ(verify_signature(good, body, {"whsec_other"}, t), SignatureCheck::mismatch) << "wrong secret";
  EXPECT_EQ(verify_signature(good, body, {"whsec_new"}, t + 301), SignatureCheck::stale);
  EXPECT_EQ(verify_signature(good, body, {"whsec_new"}, t + 300), SignatureCheck::ok);
  const std::string moved = "t=1700000001," + good.substr(good.find("v1="));
  EXPECT_EQ(verify_signature(moved, body, {"whsec_new"}, t), SignatureCheck::mismatch) << "tampered timestamp";
  EXPECT_EQ(verify_signature("", body, {"whsec_new"}, t), SignatureCheck::missing);
  EXPECT_EQ(verify_signature("v1=abc", body, {"whsec_new"}, t), SignatureCheck::malformed);
  EXPECT_EQ(verify_signature("t=1700000000,v0=abc", body, {"whsec_new"}, t), SignatureCheck::no_v1);
}

TEST(StripeForm, encodes_nested_keys_as_stripe_documents) {
  Form f;
  f.add("metadata[tier]", "superfan").add("line_items[0][price]", "price_1").add("product_data[name]", "A & B");
  EXPECT_EQ(f.encode(), "metadata%5Btier%5D=superfan&line_items%5B0%5D%5Bprice%5D=price_1&product_data%5Bname%5D=A%20%26%20B");
}
