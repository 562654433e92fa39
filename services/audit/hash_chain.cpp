#include "services/audit/hash_chain.hpp"

#include <msgpack.hpp>
#include <sodium.h>

#include <stdexcept>
#include <utility>

namespace liandong::audit {

namespace {

void pack_str(msgpack::packer<msgpack::sbuffer>& pk, const std::string& s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void pack_bin(msgpack::packer<msgpack::sbuffer>& pk, const std::string& s) {
  pk.pack_bin(static_cast<std::uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

std::string missing_range(std::int64_t first, std::int64_t last) {
  return first == last ? "event " + std::to_string(first) + " is missing"
                       : "events " + std::to_string(first) + ".." + std::to_string(last) + " are missing";
}

}  // namespace

std::string genesis_hash() { return std::string(kHashSize, '\0'); }

std::string canonical_encoding(const EventRecord& record) {
  // Headers take at most 9 bytes per element; sizing the buffer once avoids sbuffer's 8 KiB default.
  msgpack::sbuffer buf(8 * 9 + record.event_id.size() + record.incident_id.value_or("").size() + record.type.size() +
                       record.actor.size() + record.body.size() + record.prev_hash.size());
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(8);
  pk.pack_int64(record.seq);
  pack_str(pk, record.event_id);
  if (record.incident_id) {
    pack_str(pk, *record.incident_id);
  } else {
    pk.pack_nil();
  }
  pack_str(pk, record.type);
  pack_str(pk, record.actor);
  pk.pack_int64(record.at_ms);
  pack_bin(pk, record.body);
  pack_bin(pk, record.prev_hash);
  return std::string(buf.data(), buf.size());
}

std::string event_hash(const EventRecord& record) {
  // sodium_init is idempotent and thread-safe; crypto_hash_sha256 does not strictly need it, but
  // libsodium asks for it before any other call.
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
  const std::string bytes = canonical_encoding(record);
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0F]);
  }
  return out;
}

ChainVerifier::ChainVerifier() : started_from_genesis_(true), last_seq_(0), last_hash_(genesis_hash()) {}

ChainVerifier::ChainVerifier(std::int64_t after_seq, std::string after_hash)
    : started_from_genesis_(after_seq == 0), last_seq_(after_seq), last_hash_(std::move(after_hash)) {}

void ChainVerifier::fail(std::int64_t seq, std::string problem, std::string message) {
  report_.intact = false;
  report_.first_bad_seq = seq;
  report_.problem = std::move(problem);
  report_.message = std::move(message);
}

bool ChainVerifier::add(const EventRecord& record) {
  if (!report_.intact) return false;
  const std::string seq_text = "seq " + std::to_string(record.seq);
  if (record.seq <= last_seq_) {
    fail(record.seq, "chain_break",
         seq_text + " follows seq " + std::to_string(last_seq_) + " (events reordered or repeated)");
    return false;
  }
  if (record.seq != last_seq_ + 1) {
    std::string where = last_seq_ == 0 && started_from_genesis_
                            ? "the log starts at seq " + std::to_string(record.seq)
                            : "gap after seq " + std::to_string(last_seq_) + "; the next stored event is seq " +
                                  std::to_string(record.seq);
    fail(last_seq_ + 1, "gap", missing_range(last_seq_ + 1, record.seq - 1) + " (" + where + ")");
    return false;
  }
  ++report_.events;
  if (record.hash.size() != kHashSize || event_hash(record) != record.hash) {
    fail(record.seq, "hash_mismatch",
         seq_text + ": stored hash does not match its contents (changed after it was written)");
    return false;
  }
  if (record.prev_hash != last_hash_) {
    std::string what = record.seq == 1 ? "prev_hash is not the genesis hash (32 zero bytes)"
                                       : "prev_hash does not match the hash of seq " + std::to_string(last_seq_);
    fail(record.seq, "chain_break", seq_text + ": " + what + " (events reordered, replaced or inserted)");
    return false;
  }
  last_seq_ = record.seq;
  last_hash_ = record.hash;
  return true;
}

void ChainVerifier::expect_last_seq(std::int64_t last_seq) {
  if (!report_.intact || last_seq <= last_seq_) return;
  std::string where = last_seq_ == 0 ? "the log is empty" : "the last stored event is seq " + std::to_string(last_seq_);
  fail(last_seq_ + 1, "gap", missing_range(last_seq_ + 1, last_seq) + " at the end of the log (" + where + ")");
}

}  // namespace liandong::audit
