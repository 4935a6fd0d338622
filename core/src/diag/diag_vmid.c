/* diag_vmid.c - the VM id of DIAG keys, computed as azure-init computes it
 * (libazureinit-kvp's vm_id.rs): the SMBIOS system UUID, trimmed and
 * lower-cased, with the first three fields byte-swapped on a Generation 1
 * VM (BIOS: neither /sys/firmware/efi nor /dev/efi exists), where the
 * firmware stores them little-endian. Unlike azure-init, a file that
 * cannot be read or holds no UUID gives the nil UUID, never its text:
 * a DIAG key must hold a UUID. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag/diag_internal.h"

#define PRODUCT_UUID "/sys/class/dmi/id/product_uuid"
#define SYSFS_EFI    "/sys/firmware/efi"
#define DEV_EFI	     "/dev/efi"

static bool exists_at(const char *root, const char *path)
{
	char full[ERR_PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return access(full, F_OK) == 0;
}

/* The file's text (at most 63 bytes), ASCII whitespace trimmed; false when
 * it cannot be read. */
static bool read_trimmed(const char *root, char *text, size_t size)
{
	char path[ERR_PATH_MAX];
	ssize_t n;
	size_t len, start = 0;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, PRODUCT_UUID);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	do
		n = read(fd, text, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return false;
	len = (size_t)n;
	while (len && strchr(" \t\n\v\f\r", text[len - 1]) && text[len - 1])
		len--;
	while (start < len && strchr(" \t\n\v\f\r", text[start]))
		start++;
	memmove(text, text + start, len - start);
	text[len - start] = '\0';
	return true;
}

static void swap(unsigned char *b, size_t i, size_t j)
{
	unsigned char t = b[i];

	b[i] = b[j];
	b[j] = t;
}

int diag_vm_id_at(const char *root, char out[KVP_UUID_SIZE])
{
	char text[64];
	unsigned char b[16];

	if (!read_trimmed(root, text, sizeof(text)) ||
	    !diag_uuid_parse(text, strlen(text), b)) {
		snprintf(out, KVP_UUID_SIZE, "%s", DIAG_NIL_UUID);
		return 0;
	}
	if (!exists_at(root, SYSFS_EFI) && !exists_at(root, DEV_EFI)) {
		swap(b, 0, 3);
		swap(b, 1, 2);
		swap(b, 4, 5);
		swap(b, 6, 7);
	}
	uuid_format(b, out);
	return 1;
}

int kvp_diag_vm_id(char out[KVP_UUID_SIZE])
{
	const char *root = secure_getenv("KVP_TEST_SYSROOT");

	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_diag_vm_id: out is NULL");
	return diag_vm_id_at(root ? root : "", out);
}
