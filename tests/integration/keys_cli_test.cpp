// `liandong keys gen|enroll|revoke|list` as an operator runs them: the real CLI binary on a
// temporary data directory, checking the files it writes and what it prints and exits with.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

using namespace liandong::testing;

namespace {

namespace fs = std::filesystem;

constexpr int kUsage = 2;  // tools/cli/exit_codes.hpp
constexpr int kFailure = 1;

struct CliRun {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs the CLI to completion (at most 20 s) with `args` and --data-dir DATA_DIR.
CliRun keys(const TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  std::vector<std::string> argv = {LIANDONG_CLI_BIN, "keys"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data-dir", dir.file("data")});
  const auto out = dir.file("keys-" + std::to_string(++runs) + ".out");
  auto p = ChildProcess::start(argv, out);
  auto code = p.wait_exit(std::chrono::seconds(20));
  REQUIRE(code.has_value());
  return {*code, read_file(out)};
}

std::string keys_dir(const TempDir& dir) { return dir.file("data") + "/keys"; }

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

nlohmann::json list_json(const TempDir& dir) {
  auto run = keys(dir, {"list", "--json"});
  INFO(run.output);
  REQUIRE(run.code == 0);
  return nlohmann::json::parse(run.output);
}

// The public key a .pub file holds (the line `public_key = "..."`).
std::string public_key_in(const std::string& file) {
  const std::string text = read_file(file);
  const auto at = text.find("public_key = \"");
  REQUIRE(at != std::string::npos);
  return text.substr(at + 14, 40);
}

}  // namespace

TEST_CASE("liandong keys gen writes a key pair once, with the right modes", "[integration][cli][keys]") {
  TempDir dir;
  auto gen = keys(dir, {"gen", "gateway.110", "--role", "gateway"});
  INFO(gen.output);
  REQUIRE(gen.code == 0);
  const std::string secret = keys_dir(dir) + "/gateway.110.key";
  const std::string pub = keys_dir(dir) + "/gateway.110.pub";
  CHECK(mode_of(secret) == 0600);
  CHECK(mode_of(pub) == 0644);
  CHECK_THAT(read_file(secret), Catch::Contains("secret_key"));
  CHECK_THAT(read_file(pub), !Catch::Contains("secret_key"));
  CHECK_THAT(gen.output, Catch::Contains(public_key_in(pub)));
  CHECK_THAT(gen.output, Catch::Contains("liandong keys enroll gateway.110 " + pub));

  const std::string before = read_file(secret);
  auto again = keys(dir, {"gen", "gateway.110", "--role", "gateway"});
  INFO(again.output);
  CHECK(again.code == kFailure);
  CHECK_THAT(again.output, Catch::Contains("exists already"));
  CHECK(read_file(secret) == before);  // the first key is untouched

  auto bad_role = keys(dir, {"gen", "other", "--role", "wizard"});
  CHECK(bad_role.code == kUsage);
  CHECK_THAT(bad_role.output, Catch::Contains("wizard"));
}

TEST_CASE("liandong keys enroll, list and revoke edit the broker's allowlist", "[integration][cli][keys]") {
  TempDir dir;
  REQUIRE(keys(dir, {"gen", "unit-pool", "--role", "unit", "--names", "unit:*"}).code == 0);
  const std::string pub = keys_dir(dir) + "/unit-pool.pub";

  SECTION("nothing enrolled yet is an empty list") {
    CHECK(list_json(dir).empty());
    auto table = keys(dir, {"list"});
    CHECK(table.code == 0);
    CHECK_THAT(table.output, Catch::Contains("no keys enrolled"));
  }

  SECTION("enrolled from the .pub file, with its role and names; revoked later") {
    auto enroll = keys(dir, {"enroll", "unit-pool", pub});
    INFO(enroll.output);
    REQUIRE(enroll.code == 0);
    CHECK(mode_of(keys_dir(dir) + "/enrolled.toml") == 0600);

    auto list = list_json(dir);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["label"] == "unit-pool");
    CHECK(list[0]["role"] == "unit");
    CHECK(list[0]["names"] == "unit:*");
    CHECK(list[0]["public_key"] == public_key_in(pub));
    CHECK(list[0]["enrolled_at"].get<std::string>().size() == 20);  // 2026-11-25T14:03:07Z
    CHECK(list[0]["revoked_at"].is_null());

    auto twice = keys(dir, {"enroll", "unit-pool", pub});
    CHECK(twice.code == kFailure);
    CHECK_THAT(twice.output, Catch::Contains("enrolled already"));

    auto revoke = keys(dir, {"revoke", "unit-pool"});
    INFO(revoke.output);
    REQUIRE(revoke.code == 0);
    list = list_json(dir);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["revoked_at"].is_string());
    CHECK_THAT(keys(dir, {"list"}).output, Catch::Contains("revoked at"));
  }

  SECTION("Z85 text needs --role") {
    const std::string z85 = public_key_in(pub);
    auto no_role = keys(dir, {"enroll", "units", z85});
    CHECK(no_role.code == kUsage);
    CHECK_THAT(no_role.output, Catch::Contains("--role"));
    CHECK(list_json(dir).empty());

    auto with_role = keys(dir, {"enroll", "units", z85, "--role", "unit"});
    INFO(with_role.output);
    REQUIRE(with_role.code == 0);
    auto list = list_json(dir);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["names"] == "units");  // LABEL when neither --names nor a file says otherwise
  }

  SECTION("garbage key text, the broker's label and unknown labels are refused") {
    auto garbage = keys(dir, {"enroll", "units", "not-a-key-at-all"});
    CHECK(garbage.code == kUsage);
    CHECK_THAT(garbage.output, Catch::Contains("not-a-key-at-all"));

    auto broker = keys(dir, {"enroll", "broker", pub});
    CHECK(broker.code == kUsage);

    auto unknown = keys(dir, {"revoke", "nobody.here"});
    CHECK(unknown.code == kFailure);
    CHECK_THAT(unknown.output, Catch::Contains("nobody.here") && Catch::Contains("liandong keys list"));
    CHECK(list_json(dir).empty());
  }
}

TEST_CASE("liandong keys enroll run in parallel loses no entry", "[integration][cli][keys]") {
  TempDir dir;
  constexpr int kPeers = 6;
  for (int i = 0; i < kPeers; ++i) {
    REQUIRE(keys(dir, {"gen", "unit.u" + std::to_string(i), "--role", "unit"}).code == 0);
  }
  std::vector<ChildProcess> enrolling;
  for (int i = 0; i < kPeers; ++i) {
    const std::string label = "unit.u" + std::to_string(i);
    enrolling.push_back(ChildProcess::start({LIANDONG_CLI_BIN, "keys", "enroll", label,
                                             keys_dir(dir) + "/" + label + ".pub", "--data-dir", dir.file("data")},
                                            dir.file("enroll-" + label + ".out")));
  }
  for (auto& p : enrolling) {
    auto code = p.wait_exit(std::chrono::seconds(20));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
  }
  CHECK(list_json(dir).size() == kPeers);
}
