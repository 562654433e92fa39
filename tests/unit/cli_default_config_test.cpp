// Which configuration `liandong up` uses without --config (tools/cli/default_config.hpp): the
// source tree's config/liandong.toml in the current directory, else the installed one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/unit/temp_dir.hpp"
#include "tools/cli/default_config.hpp"

using namespace liandong;
using namespace liandong::cli;
using namespace liandong::testing;
namespace fs = std::filesystem;

namespace {
void touch(const fs::path& file) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "# test\n";
}
}  // namespace

TEST_CASE("up finds its configuration in the current directory, else where it is installed", "[unit][cli]") {
  UnitTempDir dir;
  const fs::path prefix = dir.path() / "prefix";
  const fs::path exe_dir = prefix / "bin";
  const fs::path elsewhere = dir.path() / "elsewhere";
  fs::create_directories(exe_dir);
  fs::create_directories(elsewhere);

  SECTION("nothing found: the error names every place and --config") {
    auto found = find_default_config(elsewhere, exe_dir);
    REQUIRE_FALSE(found.ok());
    CHECK_THAT(found.status().message(),
               Catch::Contains((elsewhere / "config/liandong.toml").string()) &&
                   Catch::Contains((prefix / "share/liandong/liandong.toml").string()) && Catch::Contains("--config"));
  }
  SECTION("installed: PREFIX/share/liandong beside PREFIX/bin") {
    touch(prefix / "share/liandong/liandong.toml");
    auto found = find_default_config(elsewhere, exe_dir);
    REQUIRE(found.ok());
    CHECK(found->file == prefix / "share/liandong/liandong.toml");
    CHECK(found->origin == "the installed default");
  }
  SECTION("a source tree in the current directory comes first") {
    touch(prefix / "share/liandong/liandong.toml");
    touch(elsewhere / "config/liandong.toml");
    auto found = find_default_config(elsewhere, exe_dir);
    REQUIRE(found.ok());
    CHECK(found->file == elsewhere / "config/liandong.toml");
    CHECK(found->origin == "the current directory's");
  }
}
