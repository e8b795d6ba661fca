// SPDX-License-Identifier: GPL-2.0
/*
 * A test module that hides the way public rootkits do: it takes itself off the kernel's module
 * list (list_del_init(&THIS_MODULE->list) under module_mutex) while its code stays mapped and
 * executable, so lsmod and /proc/modules no longer show it. Writing 1 to its `hidden`
 * parameter (/sys/module/virdomm_hidden/parameters/hidden, which stays) unlinks it, 0 puts it
 * back at the list's head so that it can be unloaded. module_mutex and the list head are not
 * exported: they are found with kallsyms_lookup_name, itself found through a kprobe. Only for
 * the test guest.
 */
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/version.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virdomm memory-checker test: a module that unlinks itself");

typedef unsigned long (*lookup_name_fn)(const char *name);

static struct mutex *modules_mutex;
static struct list_head *modules_head;
static bool is_hidden;

static int hidden_set(const char *value, const struct kernel_param *kp)
{
	bool hide;
	int err = kstrtobool(value, &hide);

	if (err)
		return err;
	mutex_lock(modules_mutex);
	if (hide && !is_hidden)
		list_del_init(&THIS_MODULE->list);
	else if (!hide && is_hidden)
		list_add_rcu(&THIS_MODULE->list, modules_head);
	is_hidden = hide;
	mutex_unlock(modules_mutex);
	pr_info("virdomm_hidden: %s\n", hide ? "unlinked" : "listed");
	return 0;
}

static int hidden_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%d\n", is_hidden);
}

static const struct kernel_param_ops hidden_ops = {
	.set = hidden_set,
	.get = hidden_get,
};
module_param_cb(hidden, &hidden_ops, NULL, 0644);

static int __init virdomm_hidden_init(void)
{
	struct kprobe probe = {.symbol_name = "kallsyms_lookup_name"};
	lookup_name_fn lookup;
	void *text;
	unsigned int text_size;
	int err;

	err = register_kprobe(&probe);
	if (err)
		return err;
	lookup = (lookup_name_fn)probe.addr;
	unregister_kprobe(&probe);
	modules_mutex = (struct mutex *)lookup("module_mutex");
	modules_head = (struct list_head *)lookup("modules");
	if (!modules_mutex || !modules_head)
		return -ENOENT;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	text = THIS_MODULE->mem[MOD_TEXT].base;
	text_size = THIS_MODULE->mem[MOD_TEXT].size;
#else
	text = THIS_MODULE->core_layout.base;
	text_size = THIS_MODULE->core_layout.text_size;
#endif
	pr_info("virdomm_hidden: text %px-%px\n", text, (char *)text + text_size);
	return 0;
}

static void __exit virdomm_hidden_exit(void)
{
	pr_info("virdomm_hidden: unloaded\n");
}

module_init(virdomm_hidden_init);
module_exit(virdomm_hidden_exit);
