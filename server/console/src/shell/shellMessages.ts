/** The navigation's messages and every page's title; English is the reference. */
export const shellEn = {
  "nav.label": "Console pages",
  "nav.notAllowedTitle": "Not available to you",
  "nav.notAllowed":
    "Your roles do not include this page. An administrator can grant you the role you need.",
  "dashboard.title": "Overview",
  "entries.title": "Entries",
  "review.title": "Review queue",
  "screens.title": "Screens",
  "users.title": "Users",
  "audit.title": "Audit log",

  "common.refresh": "Refresh",
  "common.cancel": "Cancel",
  "common.save": "Save",
  "common.saving": "Saving…",
  "common.loading": "Loading…",
  "common.never": "never",
  "common.actions": "Actions",
  "common.allDistricts": "All districts",
  "common.district": "District",
  "common.updatedAt": "Updated {time}",
  "common.next": "Next page",
  "common.first": "First page",
  "common.page": "Page {n}",
} as const;

/** Chinese for every key of {@link shellEn}. */
export const shellZh: Record<keyof typeof shellEn, string> = {
  "nav.label": "控制台页面",
  "nav.notAllowedTitle": "您无权使用此页面",
  "nav.notAllowed": "您的角色不包括此页面。管理员可以为您授予所需的角色。",
  "dashboard.title": "概览",
  "entries.title": "名单条目",
  "review.title": "审核队列",
  "screens.title": "屏幕",
  "users.title": "用户",
  "audit.title": "审计日志",

  "common.refresh": "刷新",
  "common.cancel": "取消",
  "common.save": "保存",
  "common.saving": "正在保存…",
  "common.loading": "正在加载…",
  "common.never": "从未",
  "common.actions": "操作",
  "common.allDistricts": "全部辖区",
  "common.district": "辖区",
  "common.updatedAt": "更新于 {time}",
  "common.next": "下一页",
  "common.first": "第一页",
  "common.page": "第 {n} 页",
};
