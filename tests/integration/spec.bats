#!/usr/bin/env bats
# husk spec: the generated config.json is usable as is.

load helpers

@test "spec writes a config.json that husk can run" {
	local dir=$BATS_TEST_TMPDIR/specdir
	mkdir "$dir"
	cd "$dir"
	run "$HUSK" spec
	assert_success
	[ -f config.json ] || fail "no config.json written"
	jq -e '.ociVersion | type == "string" and length > 0' config.json >/dev/null ||
		fail "config.json has no ociVersion: $(cat config.json)"
	jq -e '.process.args | type == "array"' config.json >/dev/null ||
		fail "config.json has no process.args"

	cp -a "$BUNDLE/rootfs" "$dir/rootfs"
	echo "$dir" >>"$BATS_TEST_TMPDIR/.bundles"
	jq '.process.args = ["true"] | .process.terminal = false' config.json >c.new
	mv c.new config.json
	run husk run --bundle "$dir" "$(cid spec)"
	assert_success
}

@test "spec --bundle writes into that directory" {
	local dir=$BATS_TEST_TMPDIR/specbundle
	mkdir "$dir"
	run "$HUSK" spec --bundle "$dir"
	assert_success
	jq -e .ociVersion "$dir/config.json" >/dev/null || fail "no usable config.json in $dir"
}

@test "spec refuses to overwrite an existing config.json" {
	local dir=$BATS_TEST_TMPDIR/specexists
	mkdir "$dir"
	echo '{"keep": "me"}' >"$dir/config.json"
	cd "$dir"
	run "$HUSK" spec
	assert_failure
	assert_output --partial "config.json"
	assert_equal "$(cat config.json)" '{"keep": "me"}'
}
