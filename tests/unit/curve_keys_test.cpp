// CurveZMQ key pairs on disk (core/curve_keys.hpp): generation, file modes, refusal to overwrite,
// and the errors that tell an operator what is missing. Files live in a temporary directory.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/curve_keys.hpp"

#include "tests/unit/temp_dir.hpp"

using namespace liandong;
namespace fs = std::filesystem;

namespace {
using TempDir = liandong::testing::UnitTempDir;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

KeyFile generated(const std::string& label, const std::string& role = "unit", const std::string& names = "unit:*") {
  auto key = generate_key(label, role, names);
  REQUIRE(key.ok());
  return *key;
}
}  // namespace

TEST_CASE("generate_key gives a fresh pair of valid Z85 keys", "[security][curve_keys]") {
  const KeyFile a = generated("units");
  CHECK(a.label == "units");
  CHECK(a.role == "unit");
  CHECK(a.names == "unit:*");
  CHECK(a.public_key.size() == kZ85KeyLength);
  CHECK(a.secret_key.size() == kZ85KeyLength);
  CHECK(valid_z85_key(a.public_key));
  CHECK(valid_z85_key(a.secret_key));
  CHECK(a.public_key != a.secret_key);
  const KeyFile b = generated("units");
  CHECK(b.public_key != a.public_key);
  CHECK(b.secret_key != a.secret_key);

  auto bad = generate_key("a/b", "unit", "unit:*");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kConfig);
  CHECK_THAT(bad.status().message(), Catch::Contains("'a/b'"));
}

TEST_CASE("valid_z85_key wants exactly 40 characters of Z85", "[security][curve_keys]") {
  const std::string key = generated("k").public_key;
  CHECK(valid_z85_key(key));
  CHECK_FALSE(valid_z85_key(""));
  CHECK_FALSE(valid_z85_key(key.substr(0, 39)));
  CHECK_FALSE(valid_z85_key(key + "0"));
  CHECK_FALSE(valid_z85_key(std::string(40, '~')));  // '~' is not in the Z85 alphabet
  CHECK_FALSE(valid_z85_key(std::string(40, ' ')));
  std::string with_quote = key;
  with_quote[7] = '"';
  CHECK_FALSE(valid_z85_key(with_quote));
  CHECK(valid_z85_key(std::string(40, '0')));  // all zero bytes: well-formed Z85
}

TEST_CASE("valid_key_label: 1-64 name characters, no leading dot", "[security][curve_keys]") {
  CHECK(valid_key_label("units"));
  CHECK(valid_key_label("gateway.110"));
  CHECK(valid_key_label("unit:police.ps03"));
  CHECK(valid_key_label("cli_op-1"));
  CHECK(valid_key_label(std::string(64, 'a')));
  CHECK_FALSE(valid_key_label(""));
  CHECK_FALSE(valid_key_label(".hidden"));
  CHECK_FALSE(valid_key_label(".."));
  CHECK_FALSE(valid_key_label("a/b"));
  CHECK_FALSE(valid_key_label("../broker"));
  CHECK_FALSE(valid_key_label("a b"));
  CHECK_FALSE(valid_key_label(std::string(65, 'a')));
}

TEST_CASE("write_key_files writes LABEL.key 0600 and LABEL.pub 0644 in a 0700 directory", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "data" / "keys";
  const KeyFile key = generated("unit:police.ps03", "unit", "unit:police.ps03");
  REQUIRE(write_key_files(dir, key).ok());

  CHECK(secret_key_path(dir, key.label) == dir / "unit:police.ps03.key");
  CHECK(public_key_path(dir, key.label) == dir / "unit:police.ps03.pub");
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(secret_key_path(dir, key.label)) == 0600);
  CHECK(mode_of(public_key_path(dir, key.label)) == 0644);

  const std::string pub_text = read_text(public_key_path(dir, key.label));
  CHECK_THAT(pub_text, Catch::Contains(key.public_key));
  CHECK_THAT(pub_text, !Catch::Contains(key.secret_key));
  CHECK_THAT(pub_text, !Catch::Contains("secret_key"));

  auto pub = read_key_file(public_key_path(dir, key.label));
  REQUIRE(pub.ok());
  CHECK(pub->label == key.label);
  CHECK(pub->role == "unit");
  CHECK(pub->names == "unit:police.ps03");
  CHECK(pub->public_key == key.public_key);
  CHECK(pub->secret_key.empty());

  auto secret = read_secret_key(dir, key.label);
  REQUIRE(secret.ok());
  CHECK(secret->public_key == key.public_key);
  CHECK(secret->secret_key == key.secret_key);
}

TEST_CASE("write_key_files narrows an existing directory to 0700", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "keys";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  REQUIRE(mode_of(dir) == 0755);
  REQUIRE(write_key_files(dir, generated("units")).ok());
  CHECK(mode_of(dir) == 0700);
}

TEST_CASE("writing a key again is refused and keeps the original", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path dir = tmp.path();
  const KeyFile original = generated("units");
  REQUIRE(write_key_files(dir, original).ok());
  const std::string key_text = read_text(secret_key_path(dir, "units"));
  const std::string pub_text = read_text(public_key_path(dir, "units"));

  SECTION("both files exist") {
    auto again = write_key_files(dir, generated("units"));
    CHECK(again.code() == ErrorCode::kConfig);
    CHECK_THAT(again.message(), Catch::Contains(secret_key_path(dir, "units").string()) &&
                                    Catch::Contains("exists already"));
    CHECK(read_text(secret_key_path(dir, "units")) == key_text);
    CHECK(read_text(public_key_path(dir, "units")) == pub_text);
    auto kept = read_secret_key(dir, "units");
    REQUIRE(kept.ok());
    CHECK(kept->secret_key == original.secret_key);
  }
  SECTION("only the .pub exists: the new .key is not left behind") {
    fs::remove(secret_key_path(dir, "units"));
    auto again = write_key_files(dir, generated("units"));
    CHECK(again.code() == ErrorCode::kConfig);
    CHECK_THAT(again.message(), Catch::Contains(public_key_path(dir, "units").string()));
    CHECK_FALSE(fs::exists(secret_key_path(dir, "units")));
    CHECK(read_text(public_key_path(dir, "units")) == pub_text);
  }
}

TEST_CASE("read_secret_key explains a label that has only its public part", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path dir = tmp.path();
  REQUIRE(write_key_files(dir, generated("gateway.110", "gateway", "gateway.110")).ok());
  fs::remove(secret_key_path(dir, "gateway.110"));
  REQUIRE(fs::exists(public_key_path(dir, "gateway.110")));

  auto key = read_secret_key(dir, "gateway.110");
  REQUIRE_FALSE(key.ok());
  CHECK(key.status().code() == ErrorCode::kConfig);
  const std::string message = key.status().message();
  CHECK_THAT(message, Catch::Contains(secret_key_path(dir, "gateway.110").string()));
  CHECK_THAT(message, Catch::Contains("does not exist"));
  CHECK_THAT(message, Catch::Contains("liandong keys gen gateway.110"));

  SECTION("a .key file holding only the public part") {
    fs::copy_file(public_key_path(dir, "gateway.110"), secret_key_path(dir, "gateway.110"));
    auto pub_as_key = read_secret_key(dir, "gateway.110");
    REQUIRE_FALSE(pub_as_key.ok());
    CHECK_THAT(pub_as_key.status().message(), Catch::Contains(secret_key_path(dir, "gateway.110").string()) &&
                                                  Catch::Contains("'secret_key' is missing"));
  }
}

TEST_CASE("read_key_file names the file and the bad entry", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path file = tmp.path() / "bad.pub";
  std::string text;
  std::string expect;
  SECTION("bad public key") {
    text = "label = \"bad\"\nrole = \"unit\"\npublic_key = \"short\"\n";
    expect = "'public_key' is not a 40-character Z85 key";
  }
  SECTION("missing role") {
    text = "label = \"bad\"\npublic_key = \"" + generated("x").public_key + "\"\n";
    expect = "'role' is missing";
  }
  SECTION("bad secret key") {
    text = "label = \"bad\"\nrole = \"unit\"\npublic_key = \"" + generated("x").public_key +
           "\"\nsecret_key = \"nope\"\n";
    expect = "'secret_key' is not a 40-character Z85 key";
  }
  {
    std::ofstream out(file);
    out << text;
  }
  auto key = read_key_file(file);
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.status().message(), Catch::Contains(file.string()) && Catch::Contains(expect));
}

TEST_CASE("load_client_keys needs the peer's own key and broker.pub", "[security][curve_keys]") {
  TempDir tmp;
  const fs::path dir = tmp.path();
  const KeyFile own = generated("router", "router", "router");
  REQUIRE(write_key_files(dir, own).ok());

  auto missing = load_client_keys(dir, "router");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kConfig);
  CHECK_THAT(missing.status().message(), Catch::Contains(public_key_path(dir, "broker").string()) &&
                                             Catch::Contains("does not exist"));

  auto no_own = load_client_keys(dir, "audit");
  REQUIRE_FALSE(no_own.ok());
  CHECK_THAT(no_own.status().message(), Catch::Contains(secret_key_path(dir, "audit").string()));

  // Only broker.pub is copied to a client's machine: its secret must not be needed.
  TempDir broker_dir;
  const KeyFile broker = generated(std::string(kBrokerKeyLabel), "broker", "broker");
  REQUIRE(write_key_files(broker_dir.path(), broker).ok());
  fs::copy_file(public_key_path(broker_dir.path(), kBrokerKeyLabel), public_key_path(dir, kBrokerKeyLabel));

  auto keys = load_client_keys(dir, "router");
  REQUIRE(keys.ok());
  CHECK(keys->label == "router");
  CHECK(keys->public_key == own.public_key);
  CHECK(keys->secret_key == own.secret_key);
  CHECK(keys->broker_public_key == broker.public_key);
}
