#include "services/gateway/bounded_body.hpp"

#include <memory>
#include <optional>

namespace liandong::gateway {
namespace {

void refuse(const httplib::Request& req, httplib::Response& res, const BodyLimit& limit, int status,
            std::string_view code, const std::string& message) {
  res.status = status;
  ErrorBody error = limit.error_text(req.path, status, code, message);
  res.set_content(error.text, error.content_type);
  close_after_reply(res);
}

std::string limit_text(const BodyLimit& limit) { return std::to_string(limit.max_bytes) + " bytes"; }

bool has_body_framing(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

// Content-Length as a number; nullopt when it is not one (httplib would read it as 0).
std::optional<std::uint64_t> content_length(const httplib::Request& req) {
  const std::string text = req.get_header_value("Content-Length");
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(text);
}

bool takes_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

bool has_reply(const httplib::Response& res) { return !res.body.empty() || res.content_length_ > 0; }

void close_after_reply(httplib::Response& res) {
  auto text = std::make_shared<const std::string>(res.body.empty() ? std::string("\n") : std::move(res.body));
  res.body.clear();
  std::string type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");
  res.set_header("Connection", "close");
  res.set_content_provider(text->size(), type, [text](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
    sink.write(text->data() + offset, length);
    // The whole answer is written; failing now is what makes httplib shut the connection.
    return false;
  });
}

httplib::Server::HandlerWithContentReader read_bounded(BodyLimit limit, BodyHandler handler) {
  return [limit = std::move(limit), handler = std::move(handler)](
             const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      if (req.is_multipart_form_data()) {
        return refuse(req, res, limit, 415, "UNSUPPORTED_MEDIA_TYPE",
                      "multipart/form-data bodies are not accepted; send the fields as JSON or a url-encoded form");
      }
      bool too_large = false;
      const bool read = reader([&](const char* data, std::size_t n) {
        if (n > limit.max_bytes - body.size()) {
          too_large = true;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (too_large) {
        return refuse(req, res, limit, 413, "TOO_LARGE",
                      "request body too large: the limit is " + limit_text(limit) + "; reading stopped there");
      }
      if (!read && res.status == 415) {
        return refuse(req, res, limit, 415, "UNSUPPORTED_MEDIA_TYPE",
                      "Content-Encoding '" + req.get_header_value("Content-Encoding") + "' is not accepted");
      }
      if (!read) {
        return refuse(req, res, limit, 400, "INVALID_BODY",
                      "the request body could not be read (broken chunked framing, a body shorter than its "
                      "Content-Length, or the client stopped sending)");
      }
    }
    handler(req, body, res);
  };
}

httplib::Server::HandlerWithContentReader answer_unread(PlainHandler answer) {
  return [answer = std::move(answer)](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader&) {
    answer(req, res);
    if (has_body_framing(req)) close_after_reply(res);
  };
}

void install_body_guard(httplib::Server& server, BodyLimit limit) {
  server.set_payload_max_length(limit.max_bytes);
  server.set_pre_routing_handler([limit](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length")) {
      const auto length = content_length(req);
      if (!length) {
        refuse(req, res, limit, 400, "INVALID_BODY",
               "Content-Length '" + req.get_header_value("Content-Length") + "' is not a number");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (*length > limit.max_bytes) {
        refuse(req, res, limit, 413, "TOO_LARGE",
               "request body too large: Content-Length " + std::to_string(*length) + " is above the limit of " +
                   limit_text(limit));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (!takes_body(req.method) && has_body_framing(req)) {
      refuse(req, res, limit, 400, "INVALID_BODY", req.method + " requests carry no body; this one has one");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

}  // namespace liandong::gateway
