// The broker's allowlist of enrolled keys (core/key_allowlist.hpp): name patterns, enrolment and
// revocation rules, and the enrolled.toml file, in a temporary directory.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/curve_keys.hpp"
#include "core/key_allowlist.hpp"

#include "tests/unit/temp_dir.hpp"

using namespace liandong;
namespace fs = std::filesystem;

namespace {
using TempDir = liandong::testing::UnitTempDir;

std::string fresh_public_key() {
  auto key = generate_key("x", "unit", "x");
  REQUIRE(key.ok());
  return key->public_key;
}

EnrolledKey key_for(const std::string& label, const std::string& role, const std::string& names,
                    const std::string& public_key = fresh_public_key()) {
  return EnrolledKey{label, public_key, role, names, "2026-01-02T03:04:05Z", ""};
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  REQUIRE(out.good());
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("allows_name: an exact name, or a prefix pattern ending in '*'", "[security][key_allowlist]") {
  EnrolledKey units = key_for("units", "unit", "unit:*", "K");
  CHECK(units.allows_name("unit:a"));
  CHECK(units.allows_name("unit:police.ps01"));
  CHECK_FALSE(units.allows_name("unit:"));  // the prefix alone is not a name it covers
  CHECK_FALSE(units.allows_name("unit"));
  CHECK_FALSE(units.allows_name("gateway.x"));
  CHECK_FALSE(units.allows_name("xunit:a"));
  CHECK_FALSE(units.allows_name(""));

  EnrolledKey gateway = key_for("gateway.110", "gateway", "gateway.110", "K");
  CHECK(gateway.allows_name("gateway.110"));
  CHECK_FALSE(gateway.allows_name("gateway.1100"));
  CHECK_FALSE(gateway.allows_name("gateway.11"));
  CHECK_FALSE(gateway.allows_name("GATEWAY.110"));
  CHECK_FALSE(gateway.allows_name("gateway.*"));

  EnrolledKey cli_key = key_for("cli", "cli", "cli-*", "K");
  CHECK(cli_key.allows_name("cli-operator"));
  CHECK_FALSE(cli_key.allows_name("cli"));
}

TEST_CASE("enroll refuses a duplicate valid label and a duplicate public key", "[security][key_allowlist]") {
  KeyAllowlist list;
  const std::string pk = fresh_public_key();
  REQUIRE(list.enroll(key_for("units", "unit", "unit:*", pk)).ok());

  auto same_label = list.enroll(key_for("units", "unit", "unit:*"));
  CHECK(same_label.code() == ErrorCode::kConfig);
  CHECK_THAT(same_label.message(), Catch::Contains("'units' is enrolled already"));

  auto same_key = list.enroll(key_for("other", "unit", "unit:*", pk));
  CHECK(same_key.code() == ErrorCode::kConfig);
  CHECK_THAT(same_key.message(), Catch::Contains("enrolled already as 'units'"));

  CHECK(list.keys().size() == 1);
  REQUIRE(list.find_valid_key(pk) != nullptr);
  CHECK(list.find_valid_key(pk)->label == "units");
  CHECK(list.find_valid_key(fresh_public_key()) == nullptr);
}

TEST_CASE("a revoked label may be enrolled again and the newest entry counts", "[security][key_allowlist]") {
  KeyAllowlist list;
  const std::string old_pk = fresh_public_key();
  const std::string new_pk = fresh_public_key();
  REQUIRE(list.enroll(key_for("units", "unit", "unit:*", old_pk)).ok());
  REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
  CHECK(list.find_label("units")->revoked());
  CHECK(list.find_valid_key(old_pk) == nullptr);

  auto again = list.revoke("units", "2026-02-02T00:00:00Z");
  CHECK(again.code() == ErrorCode::kConfig);
  CHECK_THAT(again.message(), Catch::Contains("revoked already at 2026-02-01T00:00:00Z"));

  REQUIRE(list.enroll(key_for("units", "unit", "unit:a*", new_pk)).ok());
  REQUIRE(list.keys().size() == 2);  // the old entry stays, for the record
  const EnrolledKey* newest = list.find_label("units");
  REQUIRE(newest != nullptr);
  CHECK(newest->public_key == new_pk);
  CHECK(newest->names == "unit:a*");
  CHECK_FALSE(newest->revoked());
  CHECK(list.keys().front().revoked_at == "2026-02-01T00:00:00Z");

  SECTION("the revoked key's public key may be enrolled again too") {
    CHECK(list.enroll(key_for("units-old", "unit", "unit:*", old_pk)).ok());
  }
  SECTION("revoking again hits the newest entry") {
    REQUIRE(list.revoke("units", "2026-03-01T00:00:00Z").ok());
    CHECK(list.find_label("units")->revoked_at == "2026-03-01T00:00:00Z");
    CHECK(list.keys().front().revoked_at == "2026-02-01T00:00:00Z");
  }
}

TEST_CASE("revoking an unknown label is UNKNOWN_ID", "[security][key_allowlist]") {
  KeyAllowlist list;
  REQUIRE(list.enroll(key_for("units", "unit", "unit:*")).ok());
  auto s = list.revoke("nobody", "2026-02-01T00:00:00Z");
  CHECK(s.code() == ErrorCode::kUnknownId);
  CHECK_THAT(s.message(), Catch::Contains("'nobody'"));
  CHECK(list.find_label("nobody") == nullptr);
  CHECK_FALSE(list.find_label("units")->revoked());
}

TEST_CASE("save then load keeps every field, revoked entries included", "[security][key_allowlist]") {
  TempDir dir;
  const fs::path file = KeyAllowlist::file_in(dir.path());
  CHECK(file == dir.path() / "enrolled.toml");
  KeyAllowlist list;
  REQUIRE(list.enroll(key_for("units", "unit", "unit:*")).ok());
  REQUIRE(list.enroll(key_for("gateway.110", "gateway", "gateway.110")).ok());
  REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
  REQUIRE(list.enroll(key_for("units", "unit", "unit:police.*")).ok());
  REQUIRE(list.save(file).ok());
  CHECK(mode_of(file) == 0600);

  auto loaded = KeyAllowlist::load(file);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->keys().size() == list.keys().size());
  for (std::size_t i = 0; i < list.keys().size(); ++i) {
    const EnrolledKey& a = list.keys()[i];
    const EnrolledKey& b = loaded->keys()[i];
    INFO("entry " << i);
    CHECK(b.label == a.label);
    CHECK(b.public_key == a.public_key);
    CHECK(b.role == a.role);
    CHECK(b.names == a.names);
    CHECK(b.enrolled_at == a.enrolled_at);
    CHECK(b.revoked_at == a.revoked_at);
  }
  CHECK(loaded->keys()[0].revoked_at == "2026-02-01T00:00:00Z");
  CHECK(loaded->find_label("units")->names == "unit:police.*");
  CHECK_FALSE(loaded->find_label("units")->revoked());

  // Saving again replaces the file rather than appending.
  REQUIRE(loaded->save(file).ok());
  auto twice = KeyAllowlist::load(file);
  REQUIRE(twice.ok());
  CHECK(twice->keys().size() == 3);
}

TEST_CASE("loading an absent or empty file gives an empty list", "[security][key_allowlist]") {
  TempDir dir;
  auto absent = KeyAllowlist::load(dir.path() / "enrolled.toml");
  REQUIRE(absent.ok());
  CHECK(absent->keys().empty());
  write_text(dir.path() / "empty.toml", "# nothing enrolled yet\n");
  auto empty = KeyAllowlist::load(dir.path() / "empty.toml");
  REQUIRE(empty.ok());
  CHECK(empty->keys().empty());
}

TEST_CASE("loading a damaged file is an error naming the file", "[security][key_allowlist]") {
  TempDir dir;
  const fs::path file = dir.path() / "enrolled.toml";
  const std::string good_key = fresh_public_key();
  std::string text;
  std::string expect;
  SECTION("not TOML") {
    text = "[[key]\nlabel = \"units\n";
    expect = "";
  }
  SECTION("a public key that is not Z85") {
    text = "[[key]]\nlabel = \"units\"\npublic_key = \"not a key\"\nrole = \"unit\"\nnames = \"unit:*\"\n"
           "enrolled_at = \"2026-01-02T03:04:05Z\"\n";
    expect = "'public_key' is not a 40-character Z85 key";
  }
  SECTION("a bad label") {
    text = "[[key]]\nlabel = \"a/b\"\npublic_key = \"" + good_key +
           "\"\nrole = \"unit\"\nnames = \"unit:*\"\nenrolled_at = \"2026-01-02T03:04:05Z\"\n";
    expect = "'label'";
  }
  SECTION("a missing role") {
    text = "[[key]]\nlabel = \"units\"\npublic_key = \"" + good_key +
           "\"\nnames = \"unit:*\"\nenrolled_at = \"2026-01-02T03:04:05Z\"\n";
    expect = "'role' and 'names' are required";
  }
  SECTION("something other than [[key]] tables") {
    text = "[broker]\nendpoint = \"tcp://127.0.0.1:1\"\n";
    expect = "expected [[key]] tables only";
  }
  write_text(file, text);
  auto loaded = KeyAllowlist::load(file);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == ErrorCode::kConfig);
  CHECK_THAT(loaded.status().message(), Catch::Contains(file.string()));
  if (!expect.empty()) CHECK_THAT(loaded.status().message(), Catch::Contains(expect));
}

TEST_CASE("edit_allowlist creates the key directory and persists the change", "[security][key_allowlist]") {
  TempDir dir;
  const fs::path keys = dir.path() / "data" / "keys";
  REQUIRE_FALSE(fs::exists(keys));
  const EnrolledKey units = key_for("units", "unit", "unit:*");
  REQUIRE(edit_allowlist(keys, [&](KeyAllowlist& list) { return list.enroll(units); }).ok());
  CHECK(fs::is_directory(keys));
  CHECK(mode_of(keys) == 0700);
  CHECK(fs::exists(keys / ".enrolled.lock"));

  auto loaded = KeyAllowlist::load(KeyAllowlist::file_in(keys));
  REQUIRE(loaded.ok());
  REQUIRE(loaded->keys().size() == 1);
  CHECK(loaded->keys()[0].public_key == units.public_key);

  // A second edit sees the first; a failing change leaves the file as it was.
  REQUIRE(edit_allowlist(keys, [](KeyAllowlist& list) { return list.revoke("units", "2026-02-01T00:00:00Z"); }).ok());
  auto refused = edit_allowlist(keys, [](KeyAllowlist& list) { return list.revoke("nobody", "x"); });
  CHECK(refused.code() == ErrorCode::kUnknownId);
  loaded = KeyAllowlist::load(KeyAllowlist::file_in(keys));
  REQUIRE(loaded.ok());
  REQUIRE(loaded->keys().size() == 1);
  CHECK(loaded->keys()[0].revoked_at == "2026-02-01T00:00:00Z");
}

TEST_CASE("enrolment_time_now is ISO 8601 UTC to the second", "[security][key_allowlist]") {
  const std::string now = enrolment_time_now();
  REQUIRE(now.size() == 20);
  CHECK(now[4] == '-');
  CHECK(now[10] == 'T');
  CHECK(now.back() == 'Z');
}
