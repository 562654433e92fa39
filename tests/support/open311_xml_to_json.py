#!/usr/bin/python3
"""Reads an Open311 GeoReport v2 XML answer with Python's own XML parser (xml.etree) and writes
it as JSON: {"root": tag, "items": [{"tag": tag, "fields": [[child tag, child text or null]]}]},
so an integration test can check that the gateway's .xml and .json answers say the same thing.
Usage: open311_xml_to_json.py IN.xml OUT.json; exits 1 with the parser's error if IN is not
well-formed XML."""
import json
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print(f"{sys.argv[1]}: not well-formed XML: {e}", file=sys.stderr)
    sys.exit(1)
out = {"root": root.tag,
       "items": [{"tag": item.tag, "fields": [[child.tag, child.text] for child in item]} for item in root]}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
