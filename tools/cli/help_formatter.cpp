#include "tools/cli/help_formatter.hpp"

#include <sstream>

namespace liandong::cli {

std::string wrap_text(const std::string& text, std::size_t width) {
  std::string out;
  std::istringstream lines(text);
  std::string line;
  bool first_line = true;
  while (std::getline(lines, line)) {
    if (!first_line) out += '\n';
    first_line = false;
    std::istringstream words(line);
    std::string word;
    std::size_t column = 0;
    while (words >> word) {
      if (column > 0 && column + 1 + word.size() > width) {
        out += '\n';
        column = 0;
      } else if (column > 0) {
        out += ' ';
        ++column;
      }
      out += word;
      column += word.size();
    }
  }
  return out;
}

HelpFormatter::HelpFormatter() { column_width(kColumn); }

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const std::string desc = app->get_description();
  return desc.empty() ? std::string() : wrap_text(desc, kWidth) + "\n";
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  std::string summary = sub->get_description();
  summary = summary.substr(0, summary.find('\n'));
  std::stringstream out;
  CLI::detail::format_help(out, sub->get_display_name(true), wrap_text(summary, kWidth - kColumn), kColumn);
  return out.str();
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  return wrap_text(opt->get_description(), kWidth - kColumn);
}

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr && up->get_parent() != nullptr;
       up = up->get_parent()) {
    path = up->get_name() + " " + path;
  }
  return path;
}

}  // namespace liandong::cli
