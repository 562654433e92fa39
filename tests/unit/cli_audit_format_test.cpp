// The audit export's JSON text survives bytes that are not UTF-8 in a raw event body.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tools/cli/audit_format.hpp"

using namespace liandong::cli;

TEST_CASE("json_text replaces bytes that are not UTF-8 instead of failing the export", "[unit][cli]") {
  nlohmann::json body = {{"text", std::string("fire \xff here")}, {"ok", "起火"}};
  const std::string text = json_text(body);
  CHECK(text.find("fire \xEF\xBF\xBD here") != std::string::npos);  // U+FFFD
  CHECK(text.find("起火") != std::string::npos);
  CHECK(nlohmann::json::parse(text)["ok"] == "起火");
}
