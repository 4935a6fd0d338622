/* consumer.c - a program built against the INSTALLED libkvpcore only (its
 * header and pkg-config flags from a DESTDIR), as a provisioning agent
 * would be: write records into a temporary pool, read them back, and say
 * which libkvpcore.so.1 the dynamic linker loaded.
 *
 * Usage: consumer POOL_DIR   (exit 0 when every check held) */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvp/kvp.h>

static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "consumer: FAILED: %s (%s)\n", what,
			kvp_error_last()->message);
		failed = 1;
	}
}

int main(int argc, char **argv)
{
	kvp_store *store = NULL;
	kvp_record_list list = {0};
	kvp_settings *defaults = NULL;
	Dl_info info;
	char *value = NULL;
	size_t len = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer POOL_DIR\n");
		return 2;
	}
	check(kvp_store_new(&store, KVP_POOL_GUEST, argv[1], KVP_MODE_SAFE) ==
		  0,
	      "kvp_store_new");
	if (!store)
		return 1;
	check(kvp_store_append(store, "install-check", "first") == 0, "append");
	check(kvp_store_insert(store, "install-check", "installed") == 0,
	      "insert");
	check(kvp_store_read(store, "install-check", &value, &len) == 1,
	      "read finds the key");
	check(value && strcmp(value, "installed") == 0 && len == 9,
	      "read returns the inserted value");
	check(kvp_store_dump(store, &list) == 0 && list.count == 1,
	      "one record after append + insert");
	check(kvp_store_append(store, "", "x") == KVP_ERR_EMPTY_KEY &&
		  kvp_error_last()->code == KVP_ERR_EMPTY_KEY,
	      "an empty key is rejected with its error detail");
	check(kvp_settings_new(&defaults) == 0 &&
		  strcmp(kvp_settings_pool_dir(defaults), KVP_DEFAULT_DIR) == 0,
	      "settings defaults");
	kvp_settings_free(defaults);
	check(kvp_store_max_value_size(store) == KVP_SAFE_MAX_VALUE_SIZE,
	      "safe mode limits");

	if (dladdr((void *)kvp_store_new, &info) && info.dli_fname)
		printf("libkvpcore: %s\n", info.dli_fname);
	printf("pool file: %s\n", kvp_store_path(store));
	free(value);
	kvp_record_list_free(&list);
	kvp_store_free(store);
	return failed;
}
