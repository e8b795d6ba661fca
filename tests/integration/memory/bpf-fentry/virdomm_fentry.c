// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the smallest BPF fentry program (return 0) on a kernel function and attaches it, so
 * that the kernel builds a BPF trampoline and has ftrace's direct call at the function's
 * __fentry__ site go to it: what `bpftrace -e 'fentry:FUNC {}'` does, for a busybox guest
 * without libbpf. The function's BTF id comes from /sys/kernel/btf/vmlinux. Prints
 * "VIRDOMM-FENTRY attached FUNC" and keeps the link (and so the trampoline) until killed.
 * Usage: virdomm_fentry FUNCTION
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { BTF_KIND_FUNC = 12 };

struct btf_header_raw {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

static char *read_all(const char *path, size_t *size)
{
	FILE *file = fopen(path, "rb");
	size_t capacity = 1 << 20, used = 0, got;
	char *data = malloc(capacity);

	if (!file || !data)
		return NULL;
	while ((got = fread(data + used, 1, capacity - used, file)) > 0) {
		used += got;
		if (used == capacity) {
			capacity *= 2;
			data = realloc(data, capacity);
			if (!data)
				return NULL;
		}
	}
	fclose(file);
	*size = used;
	return data;
}

/* Bytes after a btf_type that depend on its kind (include/uapi/linux/btf.h). */
static long extra_size(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case 1: case 14: case 17: return 4;                 /* INT, VAR, DECL_TAG */
	case 3: return 12;                                  /* ARRAY */
	case 4: case 5: case 15: case 19: return 12L * vlen; /* STRUCT, UNION, DATASEC, ENUM64 */
	case 6: case 13: return 8L * vlen;                  /* ENUM, FUNC_PROTO */
	case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18: return 0;
	default: return -1;
	}
}

static long func_btf_id(const char *btf, size_t size, const char *name)
{
	const struct btf_header_raw *header = (const void *)btf;
	const char *types, *strings;
	size_t at = 0;
	long id = 1;

	if (size < sizeof(*header) || header->magic != 0xeb9f ||
	    (size_t)header->hdr_len + header->str_off + header->str_len > size ||
	    (size_t)header->hdr_len + header->type_off + header->type_len > size)
		return -1;
	types = btf + header->hdr_len + header->type_off;
	strings = btf + header->hdr_len + header->str_off;
	while (at + 12 <= header->type_len) {
		uint32_t name_off, info;
		long extra;

		memcpy(&name_off, types + at, 4);
		memcpy(&info, types + at + 4, 4);
		extra = extra_size((info >> 24) & 0x1f, info & 0xffff);
		if (extra < 0)
			return -1;
		if (((info >> 24) & 0x1f) == BTF_KIND_FUNC && name_off < header->str_len &&
		    strcmp(strings + name_off, name) == 0)
			return id;
		at += 12 + extra;
		++id;
	}
	return -1;
}

static long bpf(int command, union bpf_attr *attr)
{
	return syscall(__NR_bpf, command, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	struct bpf_insn program[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static char log[65536];
	union bpf_attr attr;
	size_t size = 0;
	char *btf;
	long id;
	int prog, link;

	if (argc != 2) {
		fprintf(stderr, "usage: virdomm_fentry FUNCTION\n");
		return 2;
	}
	btf = read_all("/sys/kernel/btf/vmlinux", &size);
	id = btf ? func_btf_id(btf, size, argv[1]) : -1;
	if (id < 0) {
		fprintf(stderr, "virdomm_fentry: no BTF function %s\n", argv[1]);
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_FENTRY;
	attr.attach_btf_id = (uint32_t)id;
	attr.insns = (uintptr_t)program;
	attr.insn_cnt = sizeof(program) / sizeof(program[0]);
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	strncpy(attr.prog_name, "virdomm_fentry", sizeof(attr.prog_name) - 1);
	prog = (int)bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0) {
		perror("virdomm_fentry: BPF_PROG_LOAD");
		fprintf(stderr, "%s\n", log);
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;  /* a tracing program attaches to its BTF id */
	link = (int)bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
	if (link < 0) {
		perror("virdomm_fentry: BPF_RAW_TRACEPOINT_OPEN");
		return 1;
	}
	printf("VIRDOMM-FENTRY attached %s\n", argv[1]);
	fflush(stdout);
	pause();
	return 0;
}
