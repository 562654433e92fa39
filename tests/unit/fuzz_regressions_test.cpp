// Inputs the fuzz targets (tests/fuzz/, docs/security.md) found crashing, kept in
// tests/fuzz/regressions/<target>/: each must now be refused with a clean error.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "services/gw_citymgmt/open311.hpp"

using namespace liandong;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::filesystem::path kRegressions = std::filesystem::path(LIANDONG_SOURCE_DIR) / "tests/fuzz/regressions";

}  // namespace

TEST_CASE("fuzz_open311 regression: a form value that is not UTF-8 is refused, not stored", "[unit][fuzz]") {
  // Found by fuzz_open311: address_string=Jiyang+Rd+\xba\xba... was accepted as a case, whose JSON
  // (GET /requests.json) then threw on serialisation: every later listing would have failed.
  const std::string input = read_file(kRegressions / "fuzz_open311/form-invalid-utf8-address");
  const auto nl = input.find('\n');
  REQUIRE(nl != std::string::npos);
  auto params = citymgmt::parse_body(std::string_view(input).substr(0, nl), std::string_view(input).substr(nl + 1));
  REQUIRE_FALSE(params.ok());
  CHECK(params.status().code() == ErrorCode::kInvalidValue);
  CHECK_THAT(params.status().message(), Catch::Contains("'address_string' is not valid UTF-8"));
  CHECK_NOTHROW(citymgmt::error_json(400, params.status().message()).dump());
}

TEST_CASE("Open311 errors quote client bytes as printable ASCII, so the error JSON always serialises",
          "[unit][fuzz]") {
  auto catalog = citymgmt::ServiceCatalog::load(LIANDONG_SOURCE_DIR "/config/zhuji/open311.toml");
  REQUIRE(catalog.ok());
  // A bad percent escape whose bytes are not UTF-8, an unknown Content-Type with raw bytes, an
  // unknown service code cut in the middle of a multi-byte character, a time that is no time.
  const auto escape = citymgmt::parse_form("a=%\xba\xba");
  REQUIRE_FALSE(escape.ok());
  CHECK_THAT(escape.status().message(), Catch::Contains("bad percent escape '%?" "?'"));
  const auto type = citymgmt::parse_body("text/\xff", "a=1");
  REQUIRE_FALSE(type.ok());
  // Built step by step: GCC 12 at -O2 warns (-Warray-bounds) on the same in one initializer.
  std::string cut_code(39, 'x');
  cut_code.append("\xe8\xb7\xaf");
  citymgmt::Params p;
  p.emplace("service_code", std::move(cut_code));
  p.emplace("address_string", std::string(1, 'x'));
  const auto code = citymgmt::validate_case(p, *catalog);
  REQUIRE_FALSE(code.ok());
  const auto time = citymgmt::parse_iso8601("2026-\xe8\xb7\xaf", 480);
  REQUIRE_FALSE(time.ok());
  for (const Status& s : {escape.status(), type.status(), code.status(), time.status()}) {
    CHECK(s.code() == ErrorCode::kInvalidValue);
    CHECK_NOTHROW(citymgmt::error_json(400, s.message()).dump());
  }
  // Valid UTF-8 (Chinese text) is still accepted in values.
  auto chinese = citymgmt::parse_form("service_code=road_damage&address_string=%E6%9A%A8%E9%98%B3%E8%B7%AF");
  REQUIRE(chinese.ok());
  CHECK(chinese->at("address_string") == "暨阳路");
  auto overlong = citymgmt::parse_form("a=%C0%AF");  // an overlong '/', refused like any invalid UTF-8
  REQUIRE_FALSE(overlong.ok());
}
