/* Unit tests for the oci-specs writers: state.json round trip, `husk
 * state`/`list` output, the default spec and the features document. */
#include "config.h"

#include <stdint.h>

#include "oci-specs/spec.h"
#include "tests/unit/unit.h"

static struct hk_state *sample_state(void)
{
  static struct hk_kv ann[] = {{"org.example", "yes"}, {"a.b", "\"quoted\"/slash"}};
  struct hk_state *s = calloc(1, sizeof(*s));

  s->oci_version = strdup(HK_OCI_VERSION);
  s->id = strdup("c1");
  s->status = strdup("running");
  s->pid = 4242;
  s->bundle = strdup("/bundles/c1");
  s->rootfs = strdup("/bundles/c1/rootfs");
  s->created = strdup("2024-05-01T10:00:00.123456789Z");
  s->owner = strdup("");
  s->annotations.len = 2;
  s->annotations.items = calloc(2, sizeof(struct hk_kv));
  for (size_t i = 0; i < 2; i++) {
    s->annotations.items[i].key = strdup(ann[i].key);
    s->annotations.items[i].value = strdup(ann[i].value);
  }
  s->start_time = UINT64_MAX - 1;
  s->init_fifo_fd = 7;
  s->cgroup_path = strdup("/sys/fs/cgroup/husk/c1");
  s->systemd_cgroup = true;
  s->rootless = true;
  s->no_late_hooks = true;
  s->config_path = strdup("/run/husk/c1/config.json");
  return s;
}

static void test_state_round_trip(void)
{
  struct hk_state *s = sample_state(), *back = NULL;
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  CHECK(hk_state_to_json(s, true, false, &json, &len, &err) == 0);
  CHECK(json && strlen(json) == len);
  CHECK(hk_state_parse(json, len, "state.json", &back, &err) == 0);
  if (back) {
    CHECK_STR(back->oci_version, HK_OCI_VERSION);
    CHECK_STR(back->id, "c1");
    CHECK_STR(back->status, "running");
    CHECK(back->pid == 4242);
    CHECK_STR(back->bundle, "/bundles/c1");
    CHECK_STR(back->rootfs, "/bundles/c1/rootfs");
    CHECK_STR(back->created, "2024-05-01T10:00:00.123456789Z");
    CHECK_STR(back->owner, "");
    CHECK(back->annotations.len == 2);
    CHECK_STR(back->annotations.items[1].value, "\"quoted\"/slash");
    CHECK(back->start_time == UINT64_MAX - 1);
    CHECK(back->init_fifo_fd == 7);
    CHECK_STR(back->cgroup_path, "/sys/fs/cgroup/husk/c1");
    CHECK(back->systemd_cgroup && back->rootless && back->no_late_hooks);
    CHECK_STR(back->config_path, "/run/husk/c1/config.json");
  }
  hk_state_free(back);
  free(json);
  hk_state_free(s);
}

static void test_state_public(void)
{
  struct hk_state *s = sample_state();
  hk_error_t *err = NULL;
  char *json = NULL;
  const char *expected = "{\n"
                         "  \"ociVersion\": \"" HK_OCI_VERSION "\",\n"
                         "  \"id\": \"c1\",\n"
                         "  \"pid\": 4242,\n"
                         "  \"status\": \"running\",\n"
                         "  \"bundle\": \"/bundles/c1\",\n"
                         "  \"rootfs\": \"/bundles/c1/rootfs\",\n"
                         "  \"created\": \"2024-05-01T10:00:00.123456789Z\",\n"
                         "  \"owner\": \"\",\n"
                         "  \"annotations\": {\n"
                         "    \"org.example\": \"yes\",\n"
                         "    \"a.b\": \"\\\"quoted\\\"/slash\"\n"
                         "  }\n"
                         "}\n";

  CHECK(hk_state_to_json(s, false, true, &json, NULL, &err) == 0);
  CHECK_STR(json, expected);
  free(json);

  /* No annotations: the key is left out, as runc does. */
  for (size_t i = 0; i < s->annotations.len; i++) {
    free(s->annotations.items[i].key);
    free(s->annotations.items[i].value);
  }
  free(s->annotations.items);
  s->annotations.items = NULL;
  s->annotations.len = 0;
  CHECK(hk_state_to_json(s, false, false, &json, NULL, &err) == 0);
  CHECK_STR(json, "{\"ociVersion\":\"" HK_OCI_VERSION "\",\"id\":\"c1\",\"pid\":4242,"
                  "\"status\":\"running\",\"bundle\":\"/bundles/c1\",\"rootfs\":"
                  "\"/bundles/c1/rootfs\",\"created\":\"2024-05-01T10:00:00.123456789Z\","
                  "\"owner\":\"\"}");
  free(json);
  hk_state_free(s);
}

static void test_state_list(void)
{
  struct hk_state *a = sample_state(), *b = sample_state();
  struct hk_state *list[] = {a, b};
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  CHECK(hk_state_list_to_json(list, 2, &json, &len, &err) == 0);
  CHECK(json && json[0] == '[' && json[len - 1] == ']');
  CHECK(json && strstr(json, "startTime") == NULL);
  CHECK(json && strstr(json, "},{\"ociVersion\"") != NULL);
  free(json);
  CHECK(hk_state_list_to_json(NULL, 0, &json, &len, &err) == 0);
  CHECK_STR(json, "[]");
  free(json);
  hk_state_free(a);
  hk_state_free(b);
}

static void test_state_errors(void)
{
  struct hk_state *s = NULL;
  hk_error_t *err = NULL;

  CHECK(hk_state_parse("{\"pid\":-5}", 10, "state.json", &s, &err) < 0);
  CHECK_STR(err ? err->msg : NULL, "state.json: pid: out of range (0..2147483647)");
  hk_error_free(err);
  err = NULL;
  CHECK(hk_state_parse("{\"rootless\":1}", 14, "state.json", &s, &err) < 0);
  CHECK_STR(err ? err->msg : NULL, "state.json: rootless: expected a boolean");
  hk_error_free(err);
  err = NULL;
  CHECK(hk_state_parse("{\"initFifoFd\":-1}", 17, "state.json", &s, &err) < 0);
  CHECK_STR(err ? err->msg : NULL, "state.json: initFifoFd: out of range (0..2147483647)");
  hk_error_free(err);
}

static void test_bad_utf8_in_writer(void)
{
  struct hk_state *s = sample_state();
  hk_error_t *err = NULL;
  char *json = NULL;

  free(s->id);
  s->id = strdup("bad\xff");
  CHECK(hk_state_to_json(s, true, false, &json, NULL, &err) < 0);
  CHECK(json == NULL);
  CHECK_STR(err ? err->msg : NULL, "write state: invalid UTF-8 in a string");
  hk_error_free(err);
  hk_state_free(s);
}

static void check_default(bool rootless)
{
  struct hk_spec *s = NULL;
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  CHECK(hk_spec_default_json(rootless, &json, &len, &err) == 0);
  CHECK(json && strncmp(json, "{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n", 40) == 0);
  CHECK(hk_spec_parse(json, len, "config.json", &s, &err) == 0);
  free(json);
  if (s == NULL)
    return;
  CHECK_STR(s->oci_version, "1.3.0");
  CHECK_STR(s->hostname, "husk");
  CHECK(s->process.terminal && s->process.args.len == 1);
  CHECK_STR(s->process.args.v[0], "sh");
  CHECK_STR(s->process.cwd, "/");
  CHECK(s->process.no_new_privileges && s->process.rlimits_len == 1);
  CHECK(s->process.capabilities.bounding.len == 3 && !s->process.capabilities.has_inheritable);
  CHECK(s->root.readonly);
  CHECK_STR(s->root.path, "rootfs");
  CHECK(s->mounts_len == 7);
  CHECK_STR(s->mounts[5].type, rootless ? "none" : "sysfs");
  CHECK(s->mounts[2].options.len == (rootless ? 5 : 6));
  CHECK(s->linux_.namespaces_len == 5);
  CHECK_STR(s->linux_.namespaces[rootless ? 4 : 1].type, rootless ? "user" : "network");
  CHECK(s->linux_.has_resources == !rootless);
  CHECK(s->linux_.uid_mappings_len == (rootless ? 1 : 0));
  CHECK(s->linux_.masked_paths.len == 10 && s->linux_.readonly_paths.len == 5);
  hk_spec_free(s);
}

static void test_default_spec(void)
{
  check_default(false);
  check_default(true);
}

static void test_features(void)
{
  static const char *const hooks[] = {"prestart", "createRuntime", NULL};
  static const char *const ns[] = {"pid", "mount", NULL};
  static const char *const empty[] = {NULL};
  struct hk_kv ann[] = {{"io.github.seccomp.libseccomp.version", "2.5.4"}};
  struct hk_features f = {
      .oci_version_min = "1.0.0",
      .oci_version_max = HK_OCI_VERSION,
      .hooks = hooks,
      .mount_options = empty,
      .namespaces = ns,
      .cgroup_v2 = true,
      .seccomp_enabled = true,
      .seccomp_actions = (const char *const[]){"SCMP_ACT_ALLOW", NULL},
      .memory_policy_enabled = true,
      .memory_policy_modes = (const char *const[]){"MPOL_DEFAULT", NULL},
      .annotations = {ann, 1},
      .potentially_unsafe_config_annotations = (const char *const[]){"org.criu.config", NULL},
  };
  struct hk_state *st = NULL;
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  CHECK(hk_features_to_json(&f, &json, &len, &err) == 0);
  /* Any well-formed object parses as a state (unknown keys are ignored), and
   * the features' annotations share the state's string-map shape. */
  CHECK(hk_state_parse(json, len, "features.json", &st, &err) == 0);
  CHECK(st && st->annotations.len == 1);
  CHECK(json && strstr(json, "\"ociVersionMax\": \"1.3.0\""));
  CHECK(json && strstr(json, "\"systemdUser\": false"));
  CHECK(json && strstr(json, "\"memoryPolicy\": {"));
  CHECK(json && strstr(json, "\"idmap\": {"));
  CHECK(json && strstr(json, "\"capabilities\"") == NULL); /* NULL lists are left out */
  hk_state_free(st);
  free(json);
}

/* What a seccomp agent receives at listenerPath (config-linux.md). */
static void test_process_state(void)
{
  static const char *const fds[] = {"seccompFd", NULL};
  struct hk_state *s = sample_state();
  hk_error_t *err = NULL;
  char *json = NULL;
  size_t len = 0;

  free(s->rootfs); /* the view hooks and agents get: no runc extras */
  free(s->created);
  free(s->owner);
  s->rootfs = s->created = s->owner = NULL;
  CHECK(hk_process_state_to_json(fds, 77, "m=1", s, &json, &len, &err) == 0);
  CHECK_STR(json, "{\"ociVersion\":\"" HK_OCI_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":77,"
                  "\"metadata\":\"m=1\",\"state\":{\"ociVersion\":\"" HK_OCI_VERSION "\","
                  "\"id\":\"c1\",\"pid\":4242,\"status\":\"running\",\"bundle\":\"/bundles/c1\","
                  "\"annotations\":{\"org.example\":\"yes\",\"a.b\":\"\\\"quoted\\\"/slash\"}}}");
  free(json);
  json = NULL;
  /* no listenerMetadata: no metadata member */
  CHECK(hk_process_state_to_json(fds, 77, NULL, s, &json, &len, &err) == 0);
  CHECK(json && strstr(json, "metadata") == NULL);
  free(json);
  hk_state_free(s);
}

int main(void)
{
  RUN(test_state_round_trip);
  RUN(test_state_public);
  RUN(test_state_list);
  RUN(test_state_errors);
  RUN(test_bad_utf8_in_writer);
  RUN(test_default_spec);
  RUN(test_features);
  RUN(test_process_state);
  UNIT_DONE();
}
