#include "core/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cctype>
#include <vector>

namespace liandong {

Status init_logging(std::string_view service, std::string_view level, const std::string& file) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return {ErrorCode::kConfig,
            "log level '" + std::string(level) + "' is not one of trace, debug, info, warn, error, off"};
  }
  try {
    std::vector<spdlog::sink_ptr> sinks;
    if (file.empty()) {
      sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
    }
    auto logger = std::make_shared<spdlog::logger>(std::string(service), sinks.begin(), sinks.end());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %n %^%-5l%$ %v");
    logger->set_level(lvl);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    return {ErrorCode::kIo, "cannot open log file '" + file + "': " + e.what()};
  }
  return Status::Ok();
}

std::string mask_phone(std::string_view phone) {
  int digits = 0;
  for (char c : phone) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  // Long numbers keep a 3-digit prefix (carrier / area) and 4-digit suffix, as Chinese
  // services commonly show them; short ones keep only two digits.
  const int keep_head = digits >= 11 ? 3 : 0;
  const int keep_tail = digits >= 11 ? 4 : (digits >= 6 ? 2 : 0);
  std::string out;
  out.reserve(phone.size());
  int seen = 0;
  for (char c : phone) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      out.push_back(c);
      continue;
    }
    const bool keep = seen < keep_head || seen >= digits - keep_tail;
    out.push_back(keep ? c : '*');
    ++seen;
  }
  return out;
}

std::string mask_name(std::string_view name) {
  std::string out;
  bool first = true;
  for (std::size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    std::size_t len = 1;
    if (lead >= 0xF0) len = 4;
    else if (lead >= 0xE0) len = 3;
    else if (lead >= 0xC0) len = 2;
    len = std::min(len, name.size() - i);
    if (first) {
      out.append(name.substr(i, len));
      first = false;
    } else {
      out.push_back(name[i] == ' ' ? ' ' : '*');
    }
    i += len;
  }
  return out;
}

std::string mask_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    const auto run = text.substr(i, j - i);
    out.append(run.size() >= 7 ? mask_phone(run) : std::string(run));
    i = j;
  }
  return out;
}

}  // namespace liandong
