/* test_exports.c - pam_kvp.so exports the six PAM service functions and
 * nothing else: read from the ELF dynamic symbol table itself, checked by
 * dlopen/dlsym, and as `nm -D --defined-only` prints it. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_harness.h"
#include "pam_internal.h"
#include "test_util.h"

static const char *const six[] = {
    "pam_sm_acct_mgmt",	    "pam_sm_authenticate", "pam_sm_chauthtok",
    "pam_sm_close_session", "pam_sm_open_session", "pam_sm_setcred",
};
#define N_SIX (sizeof(six) / sizeof(six[0]))

/* Names the sources use internally: none may be visible. */
static const char *const internal[] = {
    "observe",		"options_parse", "options_settings",
    "session_begin",	"session_end",	 "fail_code",
    "kvp_event_record", "account_uid",	 "event_type",
};

TestSuite(exports);

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of the symbols the module defines for others. */
static size_t defined_symbols(char ***out)
{
	char *path = ph_module_path();
	size_t len, n = 0;
	unsigned char *elf = tu_read_file(path, &len);
	char **names = NULL;

	cr_assert_not_null(elf, "%s", path);
	cr_assert(len > sizeof(Elf64_Ehdr) &&
		  memcmp(elf, ELFMAG, SELFMAG) == 0);
	cr_assert_eq(elf[EI_CLASS], ELFCLASS64, "64-bit ELF expected");
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	cr_assert(eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <=
		  len);
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	for (size_t i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Sym *syms =
		    (const Elf64_Sym *)(elf + sh[i].sh_offset);
		const char *strs =
		    (const char *)(elf + sh[sh[i].sh_link].sh_offset);
		size_t count = sh[i].sh_size / sizeof(Elf64_Sym);

		names = calloc(count + 1, sizeof(*names));
		cr_assert_not_null(names);
		for (size_t j = 0; j < count; j++) {
			unsigned bind = ELF64_ST_BIND(syms[j].st_info);

			if (syms[j].st_shndx == SHN_UNDEF ||
			    (bind != STB_GLOBAL && bind != STB_WEAK) ||
			    ELF64_ST_TYPE(syms[j].st_info) == STT_SECTION)
				continue;
			names[n++] = strdup(strs + syms[j].st_name);
		}
	}
	cr_assert_not_null(names, "%s has no .dynsym", path);
	qsort(names, n, sizeof(*names), by_name);
	free(elf);
	free(path);
	*out = names;
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

Test(exports, dynamic_symbol_table_defines_exactly_the_six)
{
	char **names;
	size_t n = defined_symbols(&names);

	for (size_t i = 0; i < n; i++)
		cr_expect(i < N_SIX && strcmp(names[i], six[i]) == 0,
			  "exported: %s", names[i]);
	cr_expect_eq(n, N_SIX, "%zu symbols exported", n);
	free_names(names, n);
}

Test(exports, dlsym_finds_the_six_and_nothing_internal)
{
	char *path = ph_module_path();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	cr_assert_not_null(h, "dlopen: %s", dlerror());
	for (size_t i = 0; i < N_SIX; i++)
		cr_expect_not_null(dlsym(h, six[i]), "%s missing", six[i]);
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
		void *sym = dlsym(h, internal[i]);
		Dl_info info = {0};

		/* A library function of the same name (libkvpcore's own
		 * public API) is found there, not in the module. */
		if (sym && dladdr(sym, &info) && info.dli_fname)
			cr_expect(!strstr(info.dli_fname, "pam_kvp.so"),
				  "%s is visible in the module", internal[i]);
	}
	dlclose(h);
	free(path);
}

Test(exports, nm_shows_exactly_the_six)
{
	char *path = ph_module_path(), *cmd = NULL, line[512];
	size_t n = 0;
	FILE *p;

	if (system("command -v nm >/dev/null 2>&1") != 0)
		cr_skip_test("nm is not installed (binutils)");
	cr_assert(asprintf(&cmd, "nm -D --defined-only '%s'", path) > 0);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		cr_expect(bsearch(&(const char *){name}, six, N_SIX,
				  sizeof(six[0]), by_name),
			  "nm lists %s (%s)", name, type);
		n++;
	}
	cr_expect_eq(pclose(p), 0);
	cr_expect_eq(n, N_SIX, "nm listed %zu symbols", n);
	free(cmd);
	free(path);
}
