// The XML format of Open311 GeoReport v2 ("Format Support": /services.xml, /requests.xml, ...):
// every answer the gateway builds as JSON (an array of flat objects) rendered with the spec's
// element names, e.g. <service_requests><request>...</request></service_requests>.
#pragma once

#include <string>
#include <string_view>

#include "services/gw_citymgmt/open311.hpp"

namespace liandong::citymgmt {

// The root and item element names of one kind of answer (GeoReport v2's XML examples).
struct XmlList {
  std::string_view root;
  std::string_view item;
};
inline constexpr XmlList kServicesXml{"services", "service"};
inline constexpr XmlList kRequestsXml{"service_requests", "request"};
inline constexpr XmlList kErrorsXml{"errors", "error"};

// `items` (an array of objects) as an XML document: the declaration, then <root>, one <item> per
// element and one child element per key in the object's order. null -> an empty element,
// booleans -> true/false, numbers as in JSON, nested objects -> nested elements, nested arrays
// -> the element repeated. Keys are the gateway's own field names (XML names by construction).
std::string to_xml(const Open311Json& items, XmlList names);

// Text content of an element: & < > " escaped; characters XML 1.0 does not allow (controls other
// than tab, LF, CR; U+FFFE, U+FFFF) and bytes that are not UTF-8 become U+FFFD, so the document
// is well-formed whatever a client stored in a case.
std::string xml_text(std::string_view text);

}  // namespace liandong::citymgmt
