// liandong-test-echo: a C++ peer for integration and interop tests. It registers under --name,
// decodes every INCIDENT_REPORT it receives with the real v1 decoder and answers REPORT_ACK
// (incident_id "echo-<report_id>") or an ERROR naming the decode failure; any other command is
// echoed back unchanged to its sender. Writes --ready-file once registered.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/bus_client.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"
#include "schemas/messages.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-test-echo: a test peer that acknowledges reports and echoes everything else"};
  std::string endpoint;
  std::string name = "echo";
  std::string ready_file;
  app.add_option("--endpoint", endpoint, "broker endpoint")->required();
  app.add_option("--name", name, "peer name to register");
  app.add_option("--ready-file", ready_file, "written once registered");
  CLI11_PARSE(app, argc, argv);
  (void)init_logging("echo", "warn");
  install_stop_handlers();

  zmq::context_t context(1);
  SystemClock clock;
  BusClientOptions options;
  options.endpoint = endpoint;
  options.name = name;
  options.role = "unit";
  options.software = "liandong-test-echo " LIANDONG_VERSION;
  BusClient client(context, options, clock);
  if (auto s = client.connect(); !s.ok()) {
    std::cerr << "liandong-test-echo: " << s.message() << "\n";
    return 1;
  }
  if (!ready_file.empty()) (void)write_file_atomically(ready_file, name + "\n");
  while (!stop_requested()) {
    auto env = client.receive(100);
    if (!env || env->peer.empty()) continue;
    if (env->command == v1::IncidentReport::kCommand) {
      auto report = decode_body<v1::IncidentReport>(env->body);
      if (!report.ok()) {
        client.send_message(env->peer, v1::make_error(report.status().code(), report.status().message(),
                                                      env->message_id, env->command));
        continue;
      }
      v1::ReportAck ack;
      ack.report_id = report->report_id;
      ack.incident_id = "echo-" + report->report_id;
      ack.state = "echoed";
      client.send_message(env->peer, ack);
    } else if (env->command != v1::Error::kCommand) {
      client.send(env->peer, env->command, env->body, env->message_id);
    }
  }
  return 0;
}
