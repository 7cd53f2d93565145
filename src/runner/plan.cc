#include "runner/plan.h"


#include <algorithm>
#include <limits>
#include <cctype>
#include <cstdlib>
#include <iterator>
#include <set>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_number.h"
#include "core/op_registry.h"
#include "core/ops/dtype.h"
#include "nets/network.h"
#include "nets/network_ops.h"
#include "runner/workers.h"

namespace versus {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// A whole-number setting of a suite (core/json_number.h), or `fallback` when absent.
template <typename T>
T whole_number(const nlohmann::json& j, const char* key, T fallback) {
  return versus::whole_number(j, key, fallback, "suite");
}

// Cross product of list-valued entries of `params`.
std::vector<nlohmann::json> cross_product(const nlohmann::json& params) {
  std::vector<nlohmann::json> out = {nlohmann::json::object()};
  for (const auto& [key, value] : params.items()) {
    const nlohmann::json values = value.is_array() ? value : nlohmann::json::array({value});
    if (values.empty()) throw UserError(fmt::format("suite: parameter '{}' has an empty list", key));
    std::vector<nlohmann::json> next;
    for (const auto& partial : out)
      for (const auto& v : values) {
        nlohmann::json p = partial;
        p[key] = v;
        next.push_back(std::move(p));
      }
    out = std::move(next);
  }
  return out;
}

// The line on which each element of the top-level "cases" array starts, found by scanning the
// text (nlohmann::json keeps no positions), so that an error in a case can name its line.
std::vector<int> case_lines(const std::string& text) {
  std::vector<int> lines;
  const size_t key = text.find("\"cases\"");
  if (key == std::string::npos) return lines;
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(key), '\n'));
  int depth = 0;  // 1 inside the cases array
  bool in_string = false;
  for (size_t i = text.find('[', key); i != std::string::npos && i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '\n') ++line;
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      if (depth == 1) lines.push_back(line);
      ++depth;
    } else if (ch == ']' || ch == '}') {
      if (--depth == 0) break;
    } else if (depth == 1 && ch != ',' && !std::isspace(static_cast<unsigned char>(ch))) {
      lines.push_back(line);  // a scalar where a case object belongs
      while (i + 1 < text.size() && text[i + 1] != ',' && text[i + 1] != ']' && text[i + 1] != '\n') ++i;
    }
  }
  return lines;
}

// Appends to suite["cases"] the op cases of every network the suite lists under "networks"
// ([{"network": "lenet", "batch": 64}, ...]; batch defaults to the network's own), derived from
// networks/<name>.json by network_op_cases, so a new network brings its shapes with it. A shape
// two networks share becomes one case whose "why" names both. File cases keep their indexes.
void append_network_cases(nlohmann::json& suite, const std::string& file) {
  if (!suite.contains("networks")) return;
  if (!suite["networks"].is_array())
    throw UserError(fmt::format("{}: \"networks\" must be a list like [{{\"network\": \"lenet\", \"batch\": 64}}]", file));
  if (!suite.contains("cases")) suite["cases"] = nlohmann::json::array();
  nlohmann::json derived = nlohmann::json::array();
  for (const auto& entry : suite["networks"]) {
    const std::string name = entry.is_object() ? entry.value("network", std::string()) : std::string();
    if (name.empty()) throw UserError(fmt::format("{}: a networks entry needs \"network\": NAME, got {}", file, entry.dump()));
    try {
      const Network net = load_network(name);
      const int64_t batch = whole_number(entry, "batch", net.batch);
      const nlohmann::json ops = network_op_cases(net, batch);  // named: the loop reads into it
      for (const auto& c : ops["cases"]) {
        auto same = std::find_if(derived.begin(), derived.end(), [&](const nlohmann::json& d) {
          return d["op"] == c["op"] && d["params"] == c["params"];
        });
        if (same == derived.end()) derived.push_back(c);
        else {
          (*same)["why"] = (*same)["why"].get<std::string>() + "; " + c["why"].get<std::string>();
          (*same)["count"] = whole_or(*same, "count", 1) + whole_or(c, "count", 1);
        }
      }
    } catch (const UserError& e) {
      throw UserError(fmt::format("{}: network '{}': {}", file, name, e.what()));
    }
  }
  for (auto& c : derived) suite["cases"].push_back(std::move(c));
}

// "suites/ops.json line 12: " for case `index` of a suite read from a file, else "case 3: ".
std::string where_is_case(const nlohmann::json& suite, size_t index) {
  const nlohmann::json& lines = suite.contains("source_lines") ? suite["source_lines"] : nlohmann::json();
  if (suite.contains("source_file") && lines.is_array() && index < lines.size())
    return fmt::format("{} line {}: ", suite["source_file"].get<std::string>(), lines[index].dump());
  return fmt::format("suite case {}: ", index + 1);
}

}  // namespace

std::vector<BackendChoice> parse_backend_list(const std::string& list) {
  std::vector<BackendChoice> out;
  const auto& known = known_backends();
  for (const std::string& item : split(list, ',')) {
    BackendChoice c;
    const auto colon = item.find(':');
    c.backend = item.substr(0, colon);
    if (colon != std::string::npos) c.variant = item.substr(colon + 1);
    if (std::find(known.begin(), known.end(), c.backend) == known.end())
      throw UserError(fmt::format("unknown backend '{}'; known backends: {} (see `versus list backends`)",
                                  c.backend, fmt::join(known, ", ")));
    // The variant names the run's result file (runs/<case id>.json): "openblas/" or "../x" would
    // put it elsewhere (found by fuzz/suite_fuzzer).
    if (c.variant.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos)
      throw UserError(fmt::format("variant '{}' of {}: a variant is letters, digits, '-', '_' and '.' "
                                  "(see `versus list backends`)", c.variant, c.backend));
    out.push_back(c);
  }
  if (out.empty()) throw UserError("no backend given; use e.g. --backends native,torch");
  return out;
}

TimingPlan default_timing() { return TimingPlan{3, 0.2, 10, 0.01}; }
TimingPlan quick_timing() { return TimingPlan{2, 0.05, 5, 0.005}; }

RunSettings default_settings(bool quick) {
  RunSettings s;
  s.quick = quick;
  // Three processes even when quick: intervals are taken between processes, and two give a
  // Student t of 12.7 (every quick case would be WIDE and AMBIGUOUS).
  s.processes = 3;
  s.timeout_seconds = quick ? 300 : 600;
  return s;
}

namespace {

void note_once(SuitePlan& plan, const std::string& note) {
  if (std::find(plan.notes.begin(), plan.notes.end(), note) == plan.notes.end()) plan.notes.push_back(note);
}

void expand_entry(const nlohmann::json& entry, const std::vector<BackendChoice>& suite_backends,
                  const std::vector<int>& thread_counts, const std::vector<std::string>& devices, uint64_t seed,
                  const TimingPlan& timing, VariantLookup variants_of, SuitePlan& plan) {
  if (!entry.is_object())
    throw UserError(fmt::format("a case must be an object like {{\"op\": \"gemm\", ...}}, got {}", entry.dump()));
  // A misspelt key ("direction") would otherwise be ignored and another case benchmarked.
  // "count": how many times a network's step runs the case (informational; explain uses it).
  static const std::set<std::string> known = {"op", "params", "sizes", "directions", "device", "dtype", "backends", "why", "count"};
  for (const auto& [key, value] : entry.items())
    if (!known.count(key))
      throw UserError(fmt::format("unknown key '{}' in a case; known keys: {}", key, fmt::join(known, ", ")));
  // A case may name its own backends, e.g. a dispatch mode only one framework has.
  const std::vector<BackendChoice> backends =
      entry.contains("backends")
          ? parse_backend_list(fmt::format("{}", fmt::join(entry["backends"].get<std::vector<std::string>>(), ",")))
          : suite_backends;
  const std::string op = entry.value("op", std::string());
  const OpDef& def = find_op(op);
  nlohmann::json params = entry.value("params", nlohmann::json::object());
  if (entry.contains("sizes")) {
    for (const auto& s : entry["sizes"])
      if (!s.is_number_integer()) throw UserError(fmt::format("size {} is not an integer", s.dump()));
    std::vector<nlohmann::json> squares;
    for (const auto& s : cross_product(params))
      for (const auto& size : entry["sizes"]) {
        nlohmann::json p = s;
        p["m"] = p["n"] = p["k"] = size;
        squares.push_back(p);
      }
    params = nlohmann::json::array();
    for (auto& p : squares) params.push_back(p);
  } else {
    nlohmann::json expanded = nlohmann::json::array();
    for (auto& p : cross_product(params)) expanded.push_back(p);
    params = expanded;
  }
  std::vector<std::string> entry_devices = devices;
  if (entry.contains("device")) entry_devices = {entry["device"].get<std::string>()};
  std::vector<std::string> directions = {"forward"};
  if (entry.contains("directions")) directions = entry["directions"].get<std::vector<std::string>>();
  for (const auto& dir : directions)
    if (dir != "forward" && dir != "backward")
      throw UserError(fmt::format("direction must be forward or backward, got '{}'", dir));
  const std::string dtype = entry.value("dtype", std::string("float32"));
  parse_dtype(dtype);  // an unknown type is refused here, naming the known ones
  // An op without a backward pass (dot, gemv, dispatch) runs forward only.
  if (!def.has_backward()) std::erase(directions, std::string("backward"));
  if (directions.empty()) throw UserError(fmt::format("{} has no backward pass; ask for forward", op));
  for (const auto& p : params) {
    def.validate_params(p);
    for (const auto& device : entry_devices)
    for (const auto& direction : directions)
    for (int t : thread_counts)
      for (const auto& b : backends) {
        std::vector<std::string> variants = {b.variant};
        if (b.variant.empty()) {
          const std::vector<std::string> all = variants_of(b.backend, "");
          variants = variants_of(b.backend, op);
          if (all.empty()) variants = {""};  // a backend without variants: its default
          if (!all.empty() && variants.empty()) note_once(plan, fmt::format("{} has no {}: not planned", b.backend, op));
          for (const auto& v : all)
            if (!variants.empty() && std::find(variants.begin(), variants.end(), v) == variants.end())
              note_once(plan, fmt::format("{}:{} has no {}: not planned", b.backend, v, op));
        }
        for (const auto& v : variants) {
          CaseSpec c;
          c.op = op;
          c.params = p;
          c.dtype = dtype;
          c.device = device;
          c.direction = direction;
          c.backend = b.backend;
          c.variant = v;
          c.threads = t;
          c.seed = seed;
          c.timing = timing;
          plan.cases.push_back(std::move(c));
        }
      }
  }
}

}  // namespace

namespace {

SuitePlan expand_checked(const nlohmann::json& suite, VariantLookup variants_of, int default_threads) {
  if (!suite.is_object()) throw UserError("suite: expected a JSON object with \"cases\"");
  SuitePlan plan;
  plan.name = suite.value("name", std::string("adhoc"));
  plan.description = suite.value("description", std::string());
  plan.settings = default_settings(suite.value("quick", false));
  plan.settings.processes = whole_number(suite, "processes", plan.settings.processes);
  plan.settings.timeout_seconds = suite.value("timeout_seconds", plan.settings.timeout_seconds);
  plan.settings.memory_limit_bytes = whole_number(suite, "memory_limit_bytes", int64_t{0});
  if (plan.settings.processes < 1 || plan.settings.processes > 100)
    throw UserError(fmt::format("processes must be 1..100, got {}", plan.settings.processes));
  if (plan.settings.timeout_seconds <= 0)
    throw UserError("timeout must be positive (seconds)");

  std::vector<std::string> backend_items;
  for (const auto& b : suite.value("backends", nlohmann::json::array({"native", "tensorflow", "mxnet", "torch"})))
    backend_items.push_back(b.get<std::string>());
  std::string joined;
  for (const auto& b : backend_items) joined += (joined.empty() ? "" : ",") + b;
  const std::vector<BackendChoice> backends = parse_backend_list(joined);

  std::vector<int> thread_counts;
  const nlohmann::json threads = suite.value("threads", nlohmann::json(default_threads));
  for (const auto& t : threads.is_array() ? threads : nlohmann::json::array({threads})) {
    if (!(t.is_string() && t.get<std::string>() == "cores") && !t.is_number_integer())
      throw UserError(fmt::format("threads must be whole numbers or \"cores\", got {}", t.dump()));
    // A number parsed from a file is stored unsigned when it is not negative: whole_number_problem
    // reads either kind, and refuses an integer past int64 instead of wrapping it.
    const int64_t n = t.is_string() ? default_threads
                      : whole_number_problem<int64_t>(t).empty() ? t.get<int64_t>()
                                                                  : std::numeric_limits<int64_t>::max();
    if (n < 1 || n > 1024) throw UserError(fmt::format("threads must be 1..1024, got {}", t.dump()));
    thread_counts.push_back(static_cast<int>(n));
  }
  const uint64_t seed = whole_number(suite, "seed", uint64_t{42});
  std::vector<std::string> devices;
  for (const auto& d : suite.value("devices", nlohmann::json::array({"cpu"}))) {
    const std::string name = d.get<std::string>();
    if (name != "cpu" && name != "cuda")
      throw UserError(fmt::format("unknown device '{}'; use cpu or cuda", name));
    devices.push_back(name);
  }
  const TimingPlan timing = plan.settings.quick ? quick_timing() : default_timing();

  if (!suite.contains("cases") || !suite["cases"].is_array() || suite["cases"].empty())
    throw UserError("suite: \"cases\" must be a non-empty list");
  for (size_t index = 0; index < suite["cases"].size(); ++index) {
    try {
      expand_entry(suite["cases"][index], backends, thread_counts, devices, seed, timing, variants_of, plan);
    } catch (const UserError& e) {
      throw UserError(where_is_case(suite, index) + e.what());
    } catch (const nlohmann::json::exception& e) {
      throw UserError(where_is_case(suite, index) + "malformed case: " + e.what());
    }
  }
  return plan;
}

}  // namespace

SuitePlan expand_suite(const nlohmann::json& suite, VariantLookup variants_of, int default_threads) {
  try {
    return expand_checked(suite, variants_of, default_threads);
  } catch (const nlohmann::json::exception& e) {
    // A suite-level setting of the wrong type ("backends": [1], "quick": "yes"): the user's
    // mistake, not an internal error (found by fuzz/suite_fuzzer).
    const bool from_file = suite.contains("source_file") && suite["source_file"].is_string();
    throw UserError(fmt::format("{}: a setting has the wrong type: {}",
                                from_file ? suite["source_file"].get<std::string>() : "suite", e.what()));
  }
}


std::filesystem::path suites_directory() {
  if (const char* dir = std::getenv("VERSUS_SUITES_DIR"); dir && *dir) return dir;
  return VERSUS_SOURCE_DIR "/suites";
}

nlohmann::json read_suite_file(const std::string& name_or_path) {
  std::filesystem::path path = name_or_path;
  // A file by that name, else a suite of that name (a folder called "quick", say a results
  // folder, is no suite file).
  if (!std::filesystem::is_regular_file(path) && path.extension().empty())
    path = suites_directory() / (name_or_path + ".json");
  std::ifstream f(path);
  if (!f) {
    std::string known;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(suites_directory(), ec))
      if (e.path().extension() == ".json") known += (known.empty() ? "" : ", ") + e.path().stem().string();
    throw UserError(fmt::format("no suite '{}' (looked for {}); known suites: {}", name_or_path,
                                path.string(), known.empty() ? "none" : known));
  }
  try {
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    nlohmann::json suite = nlohmann::json::parse(text);
    // Where each case is written, so that expand_suite's errors can name the file and line.
    if (suite.is_object()) {
      suite["source_file"] = path.string();
      suite["source_lines"] = case_lines(text);
      append_network_cases(suite, path.string());
    }
    return suite;
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(fmt::format("suite file {} is not valid JSON: {}", path.string(), e.what()));
  } catch (const nlohmann::json::exception& e) {  // "1e400", or a networks entry's "batch": "64" (fuzz/suite_fuzzer)
    throw UserError(fmt::format("suite file {} is malformed: {}", path.string(), e.what()));
  }
}

void to_json(nlohmann::json& j, const SuitePlan& p) {
  j = {{"schema", "versus.suite/1"},
       {"name", p.name},
       {"description", p.description},
       {"settings", {{"processes", p.settings.processes},
                     {"timeout_seconds", p.settings.timeout_seconds},
                     {"memory_limit_bytes", p.settings.memory_limit_bytes},
                     {"quick", p.settings.quick}}},
       {"notes", p.notes},
       {"cases", p.cases}};
}

void from_json(const nlohmann::json& j, SuitePlan& p) {
  if (j.value("schema", std::string()) != "versus.suite/1")
    throw UserError("suite.json has an unknown schema (expected versus.suite/1)");
  p.name = j.at("name").get<std::string>();
  p.description = j.value("description", std::string());
  const auto& s = j.at("settings");
  p.settings.processes = whole_at<int>(s.at("processes"), "processes");
  p.settings.timeout_seconds = s.at("timeout_seconds").get<double>();
  p.settings.quick = s.at("quick").get<bool>();
  p.settings.memory_limit_bytes = whole_or(s, "memory_limit_bytes", int64_t{0});  // absent before --memory-limit existed
  p.notes = j.value("notes", std::vector<std::string>{});
  p.cases = j.at("cases").get<std::vector<CaseSpec>>();
}

}  // namespace versus
