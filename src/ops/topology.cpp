#include "ops/topology.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mc::ops {

namespace bj = boost::json;

namespace {
std::string field(const bj::object& o, std::string_view key, std::string_view where, bool required) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw std::runtime_error(std::string(where) + ": \"" + std::string(key) + "\" is required");
    return {};
  }
  if (!v->is_string())
    throw std::runtime_error(std::string(where) + ": \"" + std::string(key) + "\" must be a string");
  return std::string(v->as_string());
}
}  // namespace

const Region* Topology::find(std::string_view name) const {
  for (const auto& r : regions) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Topology load_topology(const std::string& path) {
  if (path.empty())
    throw std::runtime_error("OPS_TOPOLOGY is not set (the path of the regions file; see docs/lab.md)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read OPS_TOPOLOGY file " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const bj::value doc = bj::parse(text.str(), ec);
  if (ec || !doc.is_object()) throw std::runtime_error(path + " is not a JSON object");
  const auto& root = doc.as_object();
  Topology t;
  t.provider = field(root, "provider", path, true);
  if (t.provider != "patroni" && t.provider != "aws") {
    throw std::runtime_error(path + ": provider must be \"patroni\" or \"aws\"");
  }
  const auto* regions = root.if_contains("regions");
  if (!regions || !regions->is_array() || regions->as_array().empty()) {
    throw std::runtime_error(path + ": \"regions\" must be a non-empty array");
  }
  for (const auto& v : regions->as_array()) {
    if (!v.is_object()) throw std::runtime_error(path + ": every region must be an object");
    const auto& o = v.as_object();
    Region r;
    r.name = field(o, "name", path, true);
    const std::string where = path + " region " + r.name;
    r.patroni = field(o, "patroni", where, t.provider == "patroni");
    r.database = field(o, "database", where, false);
    r.db_cluster_arn = field(o, "db_cluster_arn", where, t.provider == "aws");
    r.writer_endpoint = field(o, "writer_endpoint", where, t.provider == "aws");
    r.kube_context = field(o, "kube_context", where, false);
    if (const auto* nodes = o.if_contains("nodes"); nodes && nodes->is_array()) {
      for (const auto& n : nodes->as_array()) {
        if (n.is_string()) r.nodes.emplace_back(n.as_string());
      }
    }
    if (t.find(r.name)) throw std::runtime_error(path + ": region " + r.name + " is listed twice");
    t.regions.push_back(std::move(r));
  }
  if (t.provider == "aws") {
    const auto* aws = root.if_contains("aws");
    if (!aws || !aws->is_object())
      throw std::runtime_error(path + ": \"aws\" settings are required for provider aws");
    const auto& o = aws->as_object();
    t.aws.global_cluster = field(o, "global_cluster", path + " aws", true);
    t.aws.hosted_zone_id = field(o, "hosted_zone_id", path + " aws", true);
    t.aws.writer_record = field(o, "writer_record", path + " aws", true);
    if (auto ns = field(o, "namespace", path + " aws", false); !ns.empty()) t.aws.ns = ns;
    if (auto cm = field(o, "configmap", path + " aws", false); !cm.empty()) t.aws.configmap = cm;
  }
  return t;
}

}  // namespace mc::ops
