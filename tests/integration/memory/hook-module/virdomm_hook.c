// SPDX-License-Identifier: GPL-2.0
/*
 * A test module that hooks a kernel function the way public rootkits do, so that the memory
 * checker can be shown to tell the hook from Linux's own tracing: it finds
 * kallsyms_lookup_name through a kprobe (not exported since 5.7), then writes a 5-byte CALL to
 * its own function over the __fentry__ NOP of `target` with the kernel's text_poke_bp(). Unload
 * puts the NOP back. Only for the test guest.
 */
#include <linux/kprobes.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virdomm memory-checker test: a rootkit-style fentry hook");

static char *target = "__x64_sys_getppid";
module_param(target, charp, 0444);

typedef unsigned long (*lookup_name_fn)(const char *name);
typedef void (*text_poke_bp_fn)(void *addr, const void *opcode, size_t len, const void *emulate);

static const u8 nop5[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
static u8 *site;
static text_poke_bp_fn poke;
static struct mutex *poke_mutex;

/* Called in place of __fentry__: touches no register the hooked function's arguments use. */
static noinline notrace void virdomm_hook_handler(void)
{
	barrier();
}

static void write_site(const u8 insn[5])
{
	mutex_lock(poke_mutex);
	poke(site, insn, 5, NULL);
	mutex_unlock(poke_mutex);
}

static int __init virdomm_hook_init(void)
{
	struct kprobe probe = {.symbol_name = "kallsyms_lookup_name"};
	lookup_name_fn lookup;
	u8 call[5];
	s32 rel;
	int err;

	err = register_kprobe(&probe);
	if (err)
		return err;
	lookup = (lookup_name_fn)probe.addr;
	unregister_kprobe(&probe);

	poke = (text_poke_bp_fn)lookup("text_poke_bp");
	poke_mutex = (struct mutex *)lookup("text_mutex");
	site = (u8 *)lookup(target);
	if (!poke || !poke_mutex || !site)
		return -ENOENT;
	if (memcmp(site, nop5, sizeof(nop5)) != 0)
		return -EINVAL; /* not an idle __fentry__ site */
	rel = (s32)((long)virdomm_hook_handler - ((long)site + 5));
	call[0] = 0xe8;
	memcpy(call + 1, &rel, 4);
	write_site(call);
	pr_info("virdomm_hook: call at %px to %px\n", site, virdomm_hook_handler);
	return 0;
}

static void __exit virdomm_hook_exit(void)
{
	write_site(nop5);
	pr_info("virdomm_hook: %px restored\n", site);
}

module_init(virdomm_hook_init);
module_exit(virdomm_hook_exit);
