// The XML format of the Open311 gateway (services/gw_citymgmt/open311_xml.hpp): GeoReport v2's
// element names, escaping, and a well-formed document whatever bytes a client stored in a case.
#include <catch2/catch.hpp>

#include "services/gw_citymgmt/open311_xml.hpp"
#include "tests/support/xml_check.hpp"

using namespace liandong;
using namespace liandong::citymgmt;
using liandong::testing::xml_problem;

TEST_CASE("Open311 XML errors: <errors><error> with code and description, escaped", "[unit][gw_citymgmt]") {
  const std::string doc = to_xml(error_json(400, "lat 95 < 90 & \"north\" > south"), kErrorsXml);
  CHECK(doc ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<errors><error><code>400</code><description>lat 95 &lt; 90 &amp; &quot;north&quot; &gt; south"
        "</description></error></errors>\n");
  CHECK_FALSE(xml_problem(doc));
  CHECK(to_xml(Open311Json::array(), kRequestsXml) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests></service_requests>\n");
}

TEST_CASE("XML text: only characters XML 1.0 allows, valid UTF-8 kept", "[unit][gw_citymgmt]") {
  CHECK(xml_text("暨阳街道 12号\t\n") == "暨阳街道 12号\t\n");
  CHECK(xml_text(std::string("a\x01" "b\x1f", 4)) == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  CHECK(xml_text("\xff\xc3") == "\xEF\xBF\xBD\xEF\xBF\xBD");           // not UTF-8
  CHECK(xml_text("\xEF\xBF\xBF\xEF\xBF\xBE") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFF, U+FFFE
  CHECK(xml_text("]]>") == "]]&gt;");
}

TEST_CASE("a case in XML: every Open311 field as an element in the spec's order, null as empty", "[unit][gw_citymgmt]") {
  CaseRecord r;
  r.id = 17;
  r.input.service_code = "fly_tipping";
  r.input.address_id = "G00001";
  r.input.lat = 29.691;
  r.input.lon = 120.2512;
  // A hostile description: markup, an entity, a control character and a stray byte.
  r.input.description = "</description><x>&amp;\x07\xfe";
  r.service_name = "Fly-tipping";
  r.category = "city.fly_tipping";
  r.requested_at_ms = 1'700'000'000'000;
  r.updated_at_ms = r.requested_at_ms;
  const std::string doc = to_xml(Open311Json::array({case_json(r, 480)}), kRequestsXml);
  INFO(doc);
  CHECK_FALSE(xml_problem(doc));
  CHECK(doc.find("<service_requests><request><service_request_id>17</service_request_id><status>open</status>") !=
        std::string::npos);
  CHECK(doc.find("<description>&lt;/description&gt;&lt;x&gt;&amp;amp;\xEF\xBF\xBD\xEF\xBF\xBD</description>") !=
        std::string::npos);
  CHECK(doc.find("<address/><address_id>G00001</address_id><zipcode/><lat>29.691</lat><long>120.2512</long>") !=
        std::string::npos);
  CHECK(doc.find("<requested_datetime>2023-11-15T06:13:20+08:00</requested_datetime>") != std::string::npos);
}

TEST_CASE("the XML check refuses what is not well-formed", "[unit][gw_citymgmt]") {
  const std::string decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  CHECK_FALSE(xml_problem(decl + "<a><b/>x &amp; y</a>\n"));
  CHECK(xml_problem("<a/>"));
  CHECK(xml_problem(decl + "<a><b></a></b>"));
  CHECK(xml_problem(decl + "<a>x < y</a>"));
  CHECK(xml_problem(decl + "<a>x & y</a>"));
  CHECK(xml_problem(decl + "<a>\x01</a>"));
  CHECK(xml_problem(decl + "<a></a><b/>"));
  CHECK(xml_problem(decl + "<a>"));
}
