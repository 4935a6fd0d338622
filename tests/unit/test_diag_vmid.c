/* test_diag_vmid.c - the VM id (kvp_diag_vm_id) as azure-init computes it,
 * under a fake system root (KVP_TEST_SYSROOT): azure-init's two cases
 * (Gen1 byte swap, Gen2 as read), both EFI markers, trimming and case,
 * and the nil UUID, never a non-UUID, when it cannot be read. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_diag_util.h"

TestSuite(diag_vmid, .init = td_setup, .fini = td_teardown);

#define NIL "00000000-0000-0000-0000-000000000000"

static void no_sysfs_efi(void)
{
	char *efi = tu_path(td_root, "sys/firmware/efi");

	cr_assert_eq(rmdir(efi), 0);
	free(efi);
}

static void vm_id_is(int ret, const char *want)
{
	char id[KVP_UUID_SIZE];

	cr_assert_eq(kvp_diag_vm_id(id), ret);
	cr_assert_str_eq(id, want);
}

static void product_uuid(const char *text)
{
	td_root_file("sys/class/dmi/id/product_uuid", text);
}

Test(diag_vmid, gen1_swaps_the_first_three_fields)
{
	no_sysfs_efi();
	product_uuid("550e8400-e29b-41d4-a716-446655440000");
	vm_id_is(1, "00840e55-9be2-d441-a716-446655440000");
}

Test(diag_vmid, gen2_is_used_as_read_lower_cased)
{
	product_uuid("550E8400-E29B-41D4-A716-446655440000");
	vm_id_is(1, "550e8400-e29b-41d4-a716-446655440000");
}

Test(diag_vmid, dev_efi_also_means_gen2)
{
	no_sysfs_efi();
	td_root_file("dev/efi", "");
	vm_id_is(1, TD_SMBIOS);
}

Test(diag_vmid, whitespace_is_trimmed)
{
	product_uuid(" \t550e8400-e29b-41d4-a716-446655440000 \n\n");
	vm_id_is(1, TD_SMBIOS);
}

Test(diag_vmid, unreadable_or_not_a_uuid_gives_the_nil_uuid)
{
	static const char *const bad[] = {
	    "", "\n", "not-a-uuid", "550e8400-e29b-41d4-a716-44665544000",
	    "550e8400-e29b-41d4-a716-44665544000g"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		product_uuid(bad[i]);
		vm_id_is(0, NIL);
	}
	no_sysfs_efi(); /* Gen1: azure-init would return the raw text */
	product_uuid("not-a-uuid");
	vm_id_is(0, NIL);
	product_uuid(NULL);
	vm_id_is(0, NIL);
	cr_assert_eq(kvp_diag_vm_id(NULL), KVP_ERR_INVALID_ARG);
}

Test(diag_vmid, other_uuid_spellings_are_normalised)
{
	product_uuid("550E8400E29B41D4A716446655440000");
	vm_id_is(1, TD_SMBIOS);
	product_uuid("{550e8400-e29b-41d4-a716-446655440000}");
	vm_id_is(1, TD_SMBIOS);
}

Test(diag_vmid, the_writer_uses_it_and_says_when_it_is_nil)
{
	kvp_diag_record rec = td_record();
	kvp_diag_written w;

	rec.vm_id = NULL;
	w = td_write(&rec);
	cr_assert_str_eq(w.vm_id, TD_SMBIOS);
	cr_assert(w.vm_id_available);
	cr_assert_str_eq(td_only()->vm_id, TD_SMBIOS);
	product_uuid(NULL);
	w = td_write(&rec);
	cr_assert_str_eq(w.vm_id, NIL);
	cr_assert_not(w.vm_id_available);
	/* The nil UUID is a UUID: the record reads back fine. */
	cr_assert_eq(kvp_diag_list_count(td_read()), 2);
	cr_assert_str_eq(kvp_diag_list_get(td_read(), 1)->vm_id, NIL);
	cr_assert_eq(kvp_diag_list_get(td_read(), 1)->error, KVP_DIAG_OK);
}
