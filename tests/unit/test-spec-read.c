/* Unit tests for the oci-specs readers: a config.json using every field,
 * and the exact error message of each class of bad input. */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "oci-specs/spec.h"
#include "tests/unit/unit.h"

#ifndef HK_TEST_DATA
#error "HK_TEST_DATA must name tests/unit/data"
#endif

static void check_process(const struct hk_process *p)
{
  CHECK(p->terminal);
  CHECK(p->has_console_size && p->console_size.height == 25 && p->console_size.width == 80);
  CHECK(p->user.uid == 1000 && p->user.gid == 1001);
  CHECK(p->user.has_umask && p->user.umask == 18);
  CHECK(p->user.additional_gids_len == 2 && p->user.additional_gids[0] == 5 &&
        p->user.additional_gids[1] == UINT32_MAX);
  CHECK_STR(p->user.username, "alice");
  CHECK(p->args.len == 3 && p->args.v[3] == NULL);
  CHECK_STR(p->args.v[2], "echo \"hi\" \xc3\xa9");
  CHECK_STR(p->command_line, "sh -c true");
  CHECK(p->env.len == 2);
  CHECK_STR(p->env.v[1], "TERM=xterm");
  CHECK_STR(p->cwd, "/work");
  CHECK(p->has_capabilities);
  CHECK(p->capabilities.has_bounding && p->capabilities.bounding.len == 2);
  CHECK_STR(p->capabilities.bounding.v[1], "CAP_CHOWN");
  CHECK(p->capabilities.has_effective && p->capabilities.effective.len == 1);
  CHECK(p->capabilities.has_inheritable && p->capabilities.inheritable.len == 0 &&
        p->capabilities.inheritable.v && p->capabilities.inheritable.v[0] == NULL);
  CHECK(p->capabilities.has_permitted && p->capabilities.permitted.len == 2);
  CHECK(p->capabilities.has_ambient && p->capabilities.ambient.len == 1);
  CHECK(p->rlimits_len == 2);
  CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
  CHECK(p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096);
  CHECK(p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
  CHECK(p->no_new_privileges);
  CHECK_STR(p->apparmor_profile, "husk-default");
  CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
  CHECK(p->has_scheduler);
  CHECK_STR(p->scheduler.policy, "SCHED_DEADLINE");
  CHECK(p->scheduler.nice == -5 && p->scheduler.priority == 10);
  CHECK(p->scheduler.flags.len == 1);
  CHECK_STR(p->scheduler.flags.v[0], "SCHED_FLAG_RESET_ON_FORK");
  CHECK(p->scheduler.runtime == 10000000 && p->scheduler.deadline == 20000000 &&
        p->scheduler.period == 30000000);
  CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0");
  CHECK(p->has_io_priority && p->io_priority.priority == 4);
  CHECK_STR(p->io_priority.class_, "IOPRIO_CLASS_BE");
  CHECK(p->has_exec_cpu_affinity);
  CHECK_STR(p->exec_cpu_affinity.initial, "0-1");
  CHECK_STR(p->exec_cpu_affinity.final, "0-3,7");
}

static void check_top(const struct hk_spec *s)
{
  CHECK_STR(s->oci_version, "1.3.0");
  CHECK(s->has_root && s->root.readonly);
  CHECK_STR(s->root.path, "rootfs");
  CHECK_STR(s->hostname, "husk");
  CHECK_STR(s->domainname, "example.org");
  CHECK(s->mounts_len == 2);
  CHECK_STR(s->mounts[0].destination, "/proc");
  CHECK(s->mounts[0].options.v == NULL && s->mounts[0].uid_mappings == NULL);
  CHECK_STR(s->mounts[1].source, "/srv/data");
  CHECK_STR(s->mounts[1].type, "bind");
  CHECK(s->mounts[1].options.len == 2);
  CHECK_STR(s->mounts[1].options.v[1], "ro");
  CHECK(s->mounts[1].uid_mappings_len == 1 && s->mounts[1].uid_mappings[0].host_id == 100000 &&
        s->mounts[1].uid_mappings[0].size == 65536);
  CHECK(s->mounts[1].gid_mappings_len == 1 && s->mounts[1].gid_mappings[0].host_id == 200000);
  CHECK(s->has_hooks);
  CHECK(s->hooks.prestart.len == 1 && s->hooks.prestart.items[0].has_timeout &&
        s->hooks.prestart.items[0].timeout == 5);
  CHECK_STR(s->hooks.prestart.items[0].path, "/bin/pre");
  CHECK_STR(s->hooks.prestart.items[0].args.v[1], "1");
  CHECK_STR(s->hooks.prestart.items[0].env.v[0], "A=1");
  CHECK_STR(s->hooks.create_runtime.items[0].path, "/bin/cr");
  CHECK(!s->hooks.create_runtime.items[0].has_timeout);
  CHECK(s->hooks.create_container.len == 2 && s->hooks.create_container.items[1].timeout == 30);
  CHECK_STR(s->hooks.start_container.items[0].path, "/bin/sc");
  CHECK_STR(s->hooks.poststart.items[0].path, "/bin/ps");
  CHECK_STR(s->hooks.poststop.items[0].args.v[0], "pstop");
  CHECK(s->annotations.len == 3);
  CHECK_STR(s->annotations.items[0].key, "org.example.key");
  CHECK_STR(s->annotations.items[0].value, "value");
  CHECK_STR(s->annotations.items[1].key, "a.b");
  CHECK_STR(s->annotations.items[2].value, "");
}

static void check_resources(const struct hk_resources *r)
{
  CHECK(r->devices_len == 2 && !r->devices[0].allow && r->devices[1].allow);
  CHECK(r->devices[0].type == NULL && !r->devices[0].has_major);
  CHECK_STR(r->devices[0].access, "rwm");
  CHECK(r->devices[1].has_major && r->devices[1].major == 10 && r->devices[1].minor == 229);
  CHECK(r->has_memory && r->memory.has_limit && r->memory.limit == -1);
  CHECK(r->memory.reservation == 104857600 && r->memory.swap == INT64_MAX);
  CHECK(r->memory.has_kernel && r->memory.kernel == 0 && r->memory.kernel_tcp == 1024);
  CHECK(r->memory.has_swappiness && r->memory.swappiness == 60);
  CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
  CHECK(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
  CHECK(r->memory.has_check_before_update && r->memory.check_before_update);
  CHECK(r->has_cpu && r->cpu.shares == 1024 && r->cpu.quota == -1 && r->cpu.burst == 1000);
  CHECK(r->cpu.period == 100000 && r->cpu.realtime_runtime == 950000 &&
        r->cpu.realtime_period == 1000000 && r->cpu.has_idle && r->cpu.idle == 1);
  CHECK_STR(r->cpu.cpus, "0-3");
  CHECK_STR(r->cpu.mems, "0");
  CHECK(r->has_pids && r->has_pids_limit && r->pids_limit == 256);
  CHECK(r->has_block_io && r->block_io.weight == 500 && r->block_io.leaf_weight == 300);
  CHECK(r->block_io.weight_device_len == 2 && r->block_io.weight_device[0].weight == 600 &&
        r->block_io.weight_device[0].leaf_weight == 100 &&
        !r->block_io.weight_device[1].has_weight);
  CHECK(r->block_io.throttle_read_bps.len == 1 &&
        r->block_io.throttle_read_bps.items[0].rate == 1048576);
  CHECK(r->block_io.throttle_write_bps.items[0].rate == 2097152);
  CHECK(r->block_io.throttle_read_iops.items[0].rate == 100);
  CHECK(r->block_io.throttle_write_iops.items[0].rate == 200 &&
        r->block_io.throttle_write_iops.items[0].major == 8);
  CHECK(r->hugepage_limits_len == 1 && r->hugepage_limits[0].limit == 209715200);
  CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
  CHECK(r->has_network && r->network.has_class_id && r->network.class_id == 1048577);
  CHECK(r->network.priorities_len == 1 && r->network.priorities[0].priority == 500);
  CHECK_STR(r->network.priorities[0].name, "eth0");
  CHECK(r->rdma_len == 1 && r->rdma[0].hca_handles == 3 && r->rdma[0].hca_objects == 10000);
  CHECK_STR(r->rdma[0].device, "mlx5_1");
  CHECK(r->unified.len == 2);
  CHECK_STR(r->unified.items[1].value, "default 100");
}

static void check_seccomp(const struct hk_seccomp *s)
{
  CHECK_STR(s->default_action, "SCMP_ACT_ERRNO");
  CHECK(s->has_default_errno_ret && s->default_errno_ret == 1);
  CHECK(s->architectures.len == 2 && s->flags.len == 1);
  CHECK_STR(s->listener_path, "/run/seccomp.sock");
  CHECK_STR(s->listener_metadata, "meta");
  CHECK(s->syscalls_len == 2 && s->syscalls[0].names.len == 2 && !s->syscalls[0].has_errno_ret);
  CHECK(s->syscalls[1].has_errno_ret && s->syscalls[1].errno_ret == 38);
  CHECK(s->syscalls[1].args_len == 2);
  CHECK(s->syscalls[1].args[0].value == UINT64_MAX && s->syscalls[1].args[0].has_value_two);
  CHECK(s->syscalls[1].args[1].index == 1 && !s->syscalls[1].args[1].has_value_two);
  CHECK_STR(s->syscalls[1].args[0].op, "SCMP_CMP_MASKED_EQ");
}

static void check_linux(const struct hk_linux *l)
{
  CHECK(l->namespaces_len == 8);
  CHECK_STR(l->namespaces[1].type, "network");
  CHECK_STR(l->namespaces[1].path, "/var/run/netns/x");
  CHECK_STR(l->namespaces[7].type, "time");
  CHECK(l->uid_mappings_len == 1 && l->uid_mappings[0].host_id == 1000);
  CHECK(l->gid_mappings_len == 2 && l->gid_mappings[1].container_id == 2 &&
        l->gid_mappings[1].size == 4);
  CHECK(l->has_time_offsets && l->time_offsets.has_monotonic && l->time_offsets.has_boottime);
  CHECK(l->time_offsets.monotonic.secs == -3600 && l->time_offsets.monotonic.nanosecs == 500);
  CHECK(l->time_offsets.boottime.secs == 86400);
  CHECK(l->devices_len == 3 && l->devices[0].major == 10 && l->devices[0].minor == 229);
  CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666 && l->devices[0].has_uid);
  CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_gid);
  CHECK_STR(l->devices[2].type, "p");
  CHECK(l->net_devices_len == 2);
  CHECK_STR(l->net_devices[0].host_name, "eth1");
  CHECK_STR(l->net_devices[0].name, "ceth1");
  CHECK(l->net_devices[1].name == NULL);
  CHECK_STR(l->cgroups_path, "/husk/test");
  CHECK(l->has_resources);
  check_resources(&l->resources);
  CHECK_STR(l->rootfs_propagation, "rslave");
  CHECK(l->has_seccomp);
  check_seccomp(&l->seccomp);
  CHECK(l->sysctl.len == 2);
  CHECK_STR(l->sysctl.items[0].key, "net.ipv4.ip_forward");
  CHECK(l->has_masked_paths && l->masked_paths.len == 2);
  CHECK(l->has_readonly_paths && l->readonly_paths.len == 0);
  CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
  CHECK(l->has_intel_rdt && l->intel_rdt.enable_monitoring && l->intel_rdt.enable_cmt &&
        !l->intel_rdt.enable_mbm);
  CHECK_STR(l->intel_rdt.clos_id, "guaranteed");
  CHECK_STR(l->intel_rdt.l3_cache_schema, "L3:0=7f0");
  CHECK_STR(l->intel_rdt.mem_bw_schema, "MB:0=20");
  CHECK(l->intel_rdt.schemata.len == 2);
  CHECK(l->has_memory_policy && l->memory_policy.flags.len == 1);
  CHECK_STR(l->memory_policy.mode, "MPOL_INTERLEAVE");
  CHECK_STR(l->memory_policy.nodes, "0-1");
  CHECK(l->has_personality && l->personality.flags.len == 0);
  CHECK_STR(l->personality.domain, "LINUX32");
}

static void test_full_config(void)
{
  struct hk_spec *s = NULL;
  hk_error_t *err = NULL;

  CHECK(hk_spec_load(HK_TEST_DATA "/full-config.json", &s, &err) == 0);
  if (s == NULL) {
    fprintf(stderr, "# %s\n", err ? err->msg : "?");
    hk_error_free(err);
    return;
  }
  CHECK(s->has_process);
  check_process(&s->process);
  check_top(s);
  CHECK(s->has_linux);
  check_linux(&s->linux_);
  hk_spec_free(s);
}

static void test_load_missing(void)
{
  struct hk_spec *s = NULL;
  hk_error_t *err = NULL;

  CHECK(hk_spec_load(HK_TEST_DATA "/no-such-file.json", &s, &err) < 0);
  CHECK(s == NULL && err && err->code == ENOENT);
  hk_error_free(err);
}

/* Parse `json` and expect exactly `msg` (NULL: expect success). */
static void expect(const char *json, size_t len, const char *msg)
{
  struct hk_spec *s = NULL;
  hk_error_t *err = NULL;
  int ret = hk_spec_parse(json, len, "config.json", &s, &err);

  if (msg == NULL) {
    CHECK(ret == 0 && s != NULL);
    if (err)
      fprintf(stderr, "# unexpected error: %s\n", err->msg);
  } else {
    CHECK(ret < 0 && s == NULL && err != NULL);
    CHECK_STR(err ? err->msg : NULL, msg);
  }
  hk_spec_free(s);
  hk_error_free(err);
}

#define EXPECT(json, msg) expect(json, strlen(json), msg)

static void test_type_errors(void)
{
  EXPECT("{\"process\":{\"args\":[1]}}", "config.json: process.args[0]: expected a string");
  EXPECT("{\"process\":{\"args\":\"sh\"}}", "config.json: process.args: expected an array");
  EXPECT("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1\"}}}}",
         "config.json: linux.resources.memory.limit: expected an integer");
  EXPECT("{\"process\":{\"terminal\":\"yes\"}}",
         "config.json: process.terminal: expected a boolean");
  EXPECT("{\"process\":[]}", "config.json: process: expected an object");
  EXPECT("{\"mounts\":{}}", "config.json: mounts: expected an array");
  EXPECT("{\"mounts\":[1]}", "config.json: mounts[0]: expected an object");
  EXPECT("{\"annotations\":{\"a.b\":1}}", "config.json: annotations[\"a.b\"]: expected a string");
  EXPECT("{\"annotations\":{\"ok\":true}}", "config.json: annotations.ok: expected a string");
  EXPECT("{\"linux\":{\"sysctl\":{\"q\\\"x\":1}}}",
         "config.json: linux.sysctl[\"q\\\"x\"]: expected a string");
  EXPECT("{\"process\":{\"user\":{\"additionalGids\":[1,\"2\"]}}}",
         "config.json: process.user.additionalGids[1]: expected an integer");
  EXPECT("{\"linux\":{\"netDevices\":{\"eth0\":{\"name\":5}}}}",
         "config.json: linux.netDevices.eth0.name: expected a string");
  EXPECT("{\"linux\":{\"resources\":{\"rdma\":{\"mlx\":[]}}}}",
         "config.json: linux.resources.rdma.mlx: expected an object");
  EXPECT("{\"linux\":{\"seccomp\":{\"syscalls\":[{\"args\":[{\"op\":7}]}]}}}",
         "config.json: linux.seccomp.syscalls[0].args[0].op: expected a string");
  EXPECT("[]", "config.json: expected an object");
  EXPECT("\"x\"", "config.json: expected an object");
  EXPECT("{\"process\":{\"cwd\":\"/\",\"cwd\":\"/x\"}}",
         "config.json: process: duplicate key \"cwd\"");
  EXPECT("{\"a\":1,\"a\":2}", "config.json: duplicate key \"a\"");
}

static void test_range_errors(void)
{
  EXPECT("{\"process\":{\"user\":{\"uid\":-1}}}",
         "config.json: process.user.uid: out of range (0..4294967295)");
  EXPECT("{\"process\":{\"user\":{\"uid\":4294967296}}}",
         "config.json: process.user.uid: out of range (0..4294967295)");
  EXPECT("{\"process\":{\"user\":{\"uid\":1.5}}}",
         "config.json: process.user.uid: expected an integer");
  EXPECT("{\"process\":{\"user\":{\"uid\":1e3}}}",
         "config.json: process.user.uid: expected an integer");
  EXPECT("{\"process\":{\"user\":{\"uid\":-0}}}", NULL);
  EXPECT("{\"process\":{\"user\":{\"uid\":4294967295}}}", NULL);
  EXPECT("{\"process\":{\"rlimits\":[{\"type\":\"x\",\"soft\":18446744073709551616}]}}",
         "config.json: process.rlimits[0].soft: out of range (0..18446744073709551615)");
  EXPECT("{\"process\":{\"rlimits\":[{\"type\":\"x\",\"hard\":-18446744073709551616}]}}",
         "config.json: process.rlimits[0].hard: out of range (0..18446744073709551615)");
  EXPECT("{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
         "config.json: linux.resources.memory.limit: out of range "
         "(-9223372036854775808..9223372036854775807)");
  EXPECT("{\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808}}}}", NULL);
  EXPECT("{\"process\":{\"oomScoreAdj\":2147483648}}",
         "config.json: process.oomScoreAdj: out of range (-2147483648..2147483647)");
  EXPECT("{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":65536}}}}",
         "config.json: linux.resources.blockIO.weight: out of range (0..65535)");
  EXPECT("{\"hooks\":{\"prestart\":[{\"path\":\"/x\",\"timeout\":0}]}}",
         "config.json: hooks.prestart[0].timeout: out of range (1..2147483647)");
}

static void test_enums(void)
{
  EXPECT("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"foo\"}]}}",
         "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"");
  EXPECT("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\",\"path\":\"/p\"}]}}",
         "config.json: linux.namespaces[1].type: namespace type \"pid\" listed twice");
  EXPECT("{\"linux\":{\"namespaces\":[{\"path\":\"/p\"}]}}",
         "config.json: linux.namespaces[0].type: missing namespace type");
  EXPECT("{\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}}",
         "config.json: linux.devices[0].type: unknown device type \"x\"");
  EXPECT("{\"linux\":{\"devices\":[{\"type\":\"u\",\"path\":\"/dev/x\"}]}}", NULL);
}

static void test_syntax_errors(void)
{
  static const char nul_doc[] = "{\"a\":\n\"b\0\"}";

  EXPECT("{\"process\":\n{\"args\":[\"a\"", "config.json: line 2: parse error: premature EOF");
  EXPECT("", "config.json: line 1: parse error: premature EOF");
  EXPECT("{}\n x", "config.json: line 2: parse error: trailing garbage");
  EXPECT("{}{}", "config.json: line 1: parse error: trailing garbage");
  EXPECT("{\"a\":1,}", "config.json: line 1: parse error: invalid object key (must be a string)");
  EXPECT("{\n\"hostname\":\"\xff\"}",
         "config.json: line 2: parse error: invalid bytes in UTF8 string");
  EXPECT("{\"hostname\":\"\xc3\"}",
         "config.json: line 1: parse error: invalid bytes in UTF8 string");
  EXPECT("{/* no */}", "config.json: line 1: parse error: probable comment found in input text, "
                       "comments are not enabled");
  expect(nul_doc, sizeof(nul_doc) - 1, "config.json: line 2: NUL byte in document");
  EXPECT("{\"hostname\":\"a\\u0000b\"}", "config.json: line 1: string contains a NUL character");
  EXPECT("{\"a\\u0000\":1}", "config.json: line 1: key contains a NUL character");
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
  size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
  char *s = malloc(hl + ul * n + tl + 1), *p = s;

  memcpy(p, head, hl);
  p += hl;
  for (size_t i = 0; i < n; i++, p += ul)
    memcpy(p, unit, ul);
  memcpy(p, tail, tl + 1);
  return s;
}

static void test_limits(void)
{
  char *s, *open_, *close_;

  /* 64 levels are allowed, 65 are not (the root object counts). */
  open_ = repeat("{\"a\":", "[", 63, "");
  close_ = repeat(open_, "]", 63, "}");
  expect(close_, strlen(close_), NULL);
  free(open_);
  free(close_);
  open_ = repeat("{\"x\":\"[[[[\",\"a\":", "[", 64, "");
  close_ = repeat(open_, "]", 64, "}");
  expect(close_, strlen(close_), "config.json: line 1: nesting deeper than 64 levels");
  free(open_);
  free(close_);

  s = repeat("{\"x\":[0", ",0", HK_SPEC_MAX_ARRAY - 1, "]}");
  expect(s, strlen(s), NULL);
  free(s);
  s = repeat("{\"x\":[0", ",0", HK_SPEC_MAX_ARRAY, "]}");
  expect(s, strlen(s), "config.json: line 1: array longer than 65536 elements");
  free(s);

  s = repeat("{\"x\":\"", "a", HK_SPEC_MAX_FILE_SIZE, "\"}");
  expect(s, strlen(s), "config.json: document larger than 16777216 bytes");
  free(s);
}

static void test_null_and_unknown(void)
{
  struct hk_spec *s = NULL;
  hk_error_t *err = NULL;
  const char *json =
      "{\"ociVersion\":null,\"process\":{\"args\":null,\"user\":null,\"oomScoreAdj\":null,"
      "\"capabilities\":{\"bounding\":null},\"futureThing\":{\"x\":[1,2]}},"
      "\"linux\":{\"resources\":{\"memory\":{\"limit\":null,\"swap\":5}},\"seccomp\":null},"
      "\"root\":null,\"mounts\":null,\"whatever\":[{\"nested\":true}]}";

  CHECK(hk_spec_parse(json, strlen(json), "config.json", &s, &err) == 0);
  if (s == NULL)
    return;
  CHECK(s->oci_version == NULL && s->has_process && s->process.args.v == NULL);
  CHECK(!s->process.has_oom_score_adj);
  CHECK(s->process.has_capabilities && !s->process.capabilities.has_bounding);
  CHECK(s->has_linux && s->linux_.has_resources && s->linux_.resources.has_memory);
  CHECK(!s->linux_.resources.memory.has_limit && s->linux_.resources.memory.has_swap);
  CHECK(!s->linux_.has_seccomp && !s->has_root && s->mounts == NULL);
  hk_spec_free(s);
}

static void test_process_and_resources(void)
{
  struct hk_process *p = NULL;
  struct hk_resources *r = NULL;
  hk_error_t *err = NULL;
  const char *proc = "{\"args\":[\"ls\"],\"cwd\":\"/\",\"user\":{\"uid\":1}}";
  const char *res = "{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":-1},\"cpu\":{\"cpus\":\"1\"}}";

  CHECK(hk_process_parse(proc, strlen(proc), "process.json", &p, &err) == 0);
  CHECK(p && p->args.len == 1 && p->user.uid == 1);
  hk_process_free(p);

  CHECK(hk_process_parse("{\"args\":\"ls\"}", 13, "process.json", &p, &err) < 0);
  CHECK_STR(err ? err->msg : NULL, "process.json: args: expected an array");
  hk_error_free(err);
  err = NULL;

  CHECK(hk_resources_parse(res, strlen(res), "resources.json", &r, &err) == 0);
  CHECK(r && r->memory.limit == -1 && r->has_pids_limit && r->pids_limit == -1);
  hk_resources_free(r);

  CHECK(hk_resources_parse("{\"cpu\":{\"shares\":-2}}", 21, "resources.json", &r, &err) < 0);
  CHECK_STR(err ? err->msg : NULL, "resources.json: cpu.shares: out of range "
                                   "(0..18446744073709551615)");
  hk_error_free(err);

  hk_spec_free(NULL);
  hk_process_free(NULL);
  hk_resources_free(NULL);
  hk_state_free(NULL);
}

int main(void)
{
  RUN(test_full_config);
  RUN(test_load_missing);
  RUN(test_type_errors);
  RUN(test_range_errors);
  RUN(test_enums);
  RUN(test_syntax_errors);
  RUN(test_limits);
  RUN(test_null_and_unknown);
  RUN(test_process_and_resources);
  UNIT_DONE();
}
