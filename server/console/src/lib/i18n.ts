import { createContext, useContext } from "react";
import { LanguageSchema, type Language } from "../../../../shared/schemas/announcement";
import { announcementsEn, announcementsZh } from "../announcements/announcementsMessages";
import { auditEn, auditZh } from "../audit/auditMessages";
import { entriesEn, entriesZh } from "../entries/entriesMessages";
import { importEn, importZh } from "../entries/importMessages";
import { alertsEn, alertsZh } from "../alerts/alertsMessages";
import { apiEn, apiZh } from "../api/apiMessages";
import { objectionsEn, objectionsZh } from "../objections/objectionsMessages";
import { releasesEn, releasesZh } from "../releases/releasesMessages";
import { reportsEn, reportsZh } from "../reports/reportsMessages";
import { reviewEn, reviewZh } from "../review/reviewMessages";
import { schedulesEn, schedulesZh } from "../schedules/schedulesMessages";
import { emergencyEn, emergencyZh } from "../schedules/emergencyMessages";
import { emergencyReviewEn, emergencyReviewZh } from "../review/emergencyReviewMessages";
import { screensEn, screensZh } from "../screens/screensMessages";
import { screenshotEn, screenshotZh } from "../screens/screenshotMessages";
import { dashboardEn, dashboardZh } from "../shell/dashboardMessages";
import { shellEn, shellZh } from "../shell/shellMessages";
import { usersEn, usersZh } from "../users/usersMessages";

// English is the reference: its keys are the message keys, its {placeholders} the parameters.
// Each page's messages live in <page>Messages.ts, typed the same way, and are merged here.
const coreEn = {
  "app.name": "Civic signage console",
  "app.skipToContent": "Skip to content",
  "app.loading": "Loading…",
  "language.label": "Language",

  "unreachable.title": "The server cannot be reached",
  "unreachable.retry": "Try again",

  "field.email": "Email",
  "field.displayName": "Display name",
  "field.password": "Password",
  "field.passwordRepeat": "Repeat the password",
  "field.currentPassword": "Current password",
  "field.oneTimePassword": "One-time password",
  "field.newPassword": "New password",
  "field.newPasswordRepeat": "Repeat the new password",
  "hint.displayName": "Shown to other users and in the audit log.",
  "hint.newPassword":
    "At least 12 characters. A few unrelated words are easy to remember and hard to guess.",

  "error.required": "Fill in “{field}”.",
  "error.passwordTooShort": "The password needs at least 12 characters.",
  "error.passwordMismatch": "The two passwords differ; type the same password twice.",
  "error.network": "The server cannot be reached. Check the network and try again.",
  "error.badResponse": "The server sent an answer this console does not understand.",
  "error.validationFailed": "{detail}",
  "error.fourEyes":
    "Four eyes: you created or last changed this, so another person must approve it.",
  "error.staleRevision": "{detail}",
  "error.posterNotReady":
    "The poster is not ready: its face check has not finished, or its covered faces must first be confirmed by a moderator.",
  "error.personalData":
    "Refused: the text looks like it holds personal data (an ID number, a phone number, or a name next to one). Take it out; screens never show it. ({detail})",
  // By error code: what the console says when the server named no reason it knows.
  "error.code.bad_request": "The server could not read this request.",
  "error.code.validation_failed":
    "Some of what was entered is not valid; check the fields and try again.",
  "error.code.payload_too_large": "What was sent is too large.",
  "error.code.unsupported_media_type": "The server does not accept this kind of content here.",
  "error.code.not_found": "This was not found; it may have been removed.",
  "error.code.forbidden": "You may not do this with your roles.",
  "error.code.unauthenticated": "Sign in first; your session may have ended.",
  "error.code.invalid_credentials": "The email or password is wrong.",
  "error.code.password_change_required": "Change your one-time password first.",
  "error.code.rate_limited": "Too many attempts; wait a little and try again.",
  "error.code.misdirected_request": "Open the console at the server's own address.",
  "error.code.setup_token_invalid": "That set-up token is wrong.",
  "error.code.conflict": "This clashes with what the server holds now; reload and look again.",
  "error.code.stale_revision": "This changed after you opened it; look at it again.",
  "error.code.gone": "This is no longer available.",
  "error.code.four_eyes":
    "Four eyes: you created or last changed this, so another person must approve it.",
  "error.code.poster_not_ready": "The poster is not ready yet.",
  "error.code.personal_data":
    "The text looks like it holds personal data (an ID number, a phone number, or a name next to one); take it out.",
  "error.code.overloaded": "The server is busy; try again in a minute.",
  "error.code.storage_full":
    "The server's disk is full; nothing was saved. Tell the administrator.",
  "error.code.unavailable": "The server cannot reach its database right now; try again later.",
  "error.code.internal": "The server failed to handle this; it has been logged.",
  "error.code.unknown": "The server refused this.",

  "setup.title": "First-run set-up",
  "setup.intro":
    "No account exists yet. Create the first administrator; they can then add the other users.",
  "setup.tokenNotice":
    "To show that you run this server, enter the one-time set-up token it printed in its log when it started. On the server, “signage setup-token” prints it again; “signage create-admin” creates an administrator there instead.",
  "field.setupToken": "Set-up token",
  "hint.setupToken": "The line “First-run set-up … set-up token …” in the server's log.",
  "setup.submit": "Create administrator and sign in",
  "setup.busy": "Creating…",

  "signIn.title": "Sign in",
  "signIn.submit": "Sign in",
  "signIn.busy": "Signing in…",
  "signIn.signedOut": "You are signed out.",
  "signIn.sessionEnded": "Your session has ended. Sign in again.",
  "signIn.setupDone": "Set-up is already done. Sign in with your account.",

  "password.title": "Change password",
  "password.forcedTitle": "Choose your own password",
  "password.forcedIntro":
    "You signed in with a one-time password from an administrator. Before you can use the console, replace it with a password that only you know.",
  "password.intro": "Changing your password signs you out everywhere else.",
  "password.submit": "Change password",
  "password.busy": "Saving…",
  "password.back": "Back to the overview",
  "password.changed": "Your password has been changed.",

  "shell.user": "Signed in as {name}",
  "shell.roles": "Roles: {roles}",
  "shell.changePassword": "Change password",
  "shell.signOut": "Sign out",
  "shell.signingOut": "Signing out…",
  "role.admin": "admin",
  "role.operator": "operator",
  "role.moderator": "moderator",
  "role.grant": "{role} ({scope})",
  "scope.city": "whole city",
  "scope.district": "district {id}",
  "role.none": "none",
} as const;

const en = {
  ...coreEn,
  ...shellEn,
  ...screensEn,
  ...entriesEn,
  ...importEn,
  ...alertsEn,
  ...reviewEn,
  ...objectionsEn,
  ...usersEn,
  ...auditEn,
  ...dashboardEn,
  ...schedulesEn,
  ...emergencyEn,
  ...emergencyReviewEn,
  ...announcementsEn,
  ...releasesEn,
  ...screenshotEn,
  ...reportsEn,
  ...apiEn,
};

/** A key of the console's dictionary. */
export type MessageKey = keyof typeof en;

// Typed as a full record: a missing or unknown key is a compile error.
const coreZh: Record<keyof typeof coreEn, string> = {
  "app.name": "公共信息屏控制台",
  "app.skipToContent": "跳到主要内容",
  "app.loading": "正在加载…",
  "language.label": "语言",

  "unreachable.title": "无法连接服务器",
  "unreachable.retry": "重试",

  "field.email": "电子邮箱",
  "field.displayName": "显示名称",
  "field.password": "密码",
  "field.passwordRepeat": "再次输入密码",
  "field.currentPassword": "当前密码",
  "field.oneTimePassword": "一次性密码",
  "field.newPassword": "新密码",
  "field.newPasswordRepeat": "再次输入新密码",
  "hint.displayName": "会显示给其他用户，并记入审计日志。",
  "hint.newPassword": "至少 12 个字符。几个互不相关的词连在一起，好记又难猜。",

  "error.required": "请填写“{field}”。",
  "error.passwordTooShort": "密码至少需要 12 个字符。",
  "error.passwordMismatch": "两次输入的密码不一致，请输入相同的密码。",
  "error.network": "无法连接服务器。请检查网络后重试。",
  "error.badResponse": "服务器的回复无法识别。",
  "error.validationFailed": "输入有误：{detail}",
  "error.fourEyes": "双人复核：此内容由您创建或最后修改，须由另一人批准。",
  "error.staleRevision": "您打开之后有人修改了此内容。请先查看其最新内容，再重试。（{detail}）",
  "error.posterNotReady": "海报尚未就绪：人脸检查还没有完成，或遮盖的人脸须先经审核员确认。",
  "error.personalData":
    "已拒绝：文字中似乎含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除；屏幕绝不显示这些信息。（{detail}）",
  "error.code.bad_request": "服务器无法读取此请求。",
  "error.code.validation_failed": "填写的内容有误；请检查各项后重试。",
  "error.code.payload_too_large": "发送的内容过大。",
  "error.code.unsupported_media_type": "服务器在此处不接受这种内容。",
  "error.code.not_found": "找不到该内容；它可能已被删除。",
  "error.code.forbidden": "您的角色无权执行此操作。",
  "error.code.unauthenticated": "请先登录；您的会话可能已经结束。",
  "error.code.invalid_credentials": "电子邮箱或密码不正确。",
  "error.code.password_change_required": "请先修改您的一次性密码。",
  "error.code.rate_limited": "尝试次数过多；请稍后再试。",
  "error.code.misdirected_request": "请通过服务器本身的地址打开控制台。",
  "error.code.setup_token_invalid": "设置令牌不对。",
  "error.code.conflict": "此操作与服务器上的现有内容冲突；请刷新后重新查看。",
  "error.code.stale_revision": "您打开之后有人修改了此内容；请重新查看。",
  "error.code.gone": "该内容已不再提供。",
  "error.code.four_eyes": "双人复核：此内容由您创建或最后修改，须由另一人批准。",
  "error.code.poster_not_ready": "海报尚未就绪。",
  "error.code.personal_data":
    "文字中似乎含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）；请删除。",
  "error.code.overloaded": "服务器正忙；请一分钟后重试。",
  "error.code.storage_full": "服务器磁盘已满，未保存任何内容。请告知管理员。",
  "error.code.unavailable": "服务器暂时无法连接其数据库；请稍后重试。",
  "error.code.internal": "服务器未能处理此操作，已记录在日志中。",
  "error.code.unknown": "服务器拒绝了此操作。",

  "setup.title": "首次设置",
  "setup.intro": "系统中还没有任何账户。请创建第一位管理员，之后由其添加其他用户。",
  "setup.tokenNotice":
    "为证明您是本服务器的管理者，请输入服务器启动时在日志中打印的一次性设置令牌。在服务器上运行“signage setup-token”可再次查看；也可以在服务器上运行“signage create-admin”直接创建管理员。",
  "field.setupToken": "设置令牌",
  "hint.setupToken": "服务器日志中“First-run set-up … set-up token …”那一行里的令牌。",
  "setup.submit": "创建管理员并登录",
  "setup.busy": "正在创建…",

  "signIn.title": "登录",
  "signIn.submit": "登录",
  "signIn.busy": "正在登录…",
  "signIn.signedOut": "您已退出登录。",
  "signIn.sessionEnded": "会话已结束，请重新登录。",
  "signIn.setupDone": "首次设置已经完成，请用您的账户登录。",

  "password.title": "修改密码",
  "password.forcedTitle": "请设置您自己的密码",
  "password.forcedIntro":
    "您使用管理员提供的一次性密码登录。使用控制台之前，请将其换成只有您自己知道的密码。",
  "password.intro": "修改密码后，您在其他地方的登录将全部退出。",
  "password.submit": "修改密码",
  "password.busy": "正在保存…",
  "password.back": "返回概览",
  "password.changed": "密码已修改。",

  "shell.user": "当前用户：{name}",
  "shell.roles": "角色：{roles}",
  "shell.changePassword": "修改密码",
  "shell.signOut": "退出登录",
  "shell.signingOut": "正在退出…",
  "role.admin": "管理员",
  "role.operator": "操作员",
  "role.moderator": "审核员",
  "role.grant": "{role}（{scope}）",
  "scope.city": "全市",
  "scope.district": "辖区 {id}",
  "role.none": "无",
};

const zhCN: Record<MessageKey, string> = {
  ...coreZh,
  ...shellZh,
  ...screensZh,
  ...entriesZh,
  ...importZh,
  ...alertsZh,
  ...reviewZh,
  ...objectionsZh,
  ...usersZh,
  ...auditZh,
  ...dashboardZh,
  ...schedulesZh,
  ...emergencyZh,
  ...emergencyReviewZh,
  ...announcementsZh,
  ...releasesZh,
  ...screenshotZh,
  ...reportsZh,
  ...apiZh,
};

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, "zh-CN": zhCN };

/** Each language's own name, written in that language (never translated). */
export const languageNames: Record<Language, string> = { "zh-CN": "中文", en: "English" };

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | Placeholders<Rest>
  : never;
type ParamsOf<K extends MessageKey> = [Placeholders<(typeof en)[K]>] extends [never]
  ? []
  : [params: Record<Placeholders<(typeof en)[K]>, string | number>];

/** A key whose message takes no parameters (one that can be passed around as data). */
export type PlainMessageKey = {
  [K in MessageKey]: ParamsOf<K> extends [] ? K : never;
}[MessageKey];

/** Looks up a message; a message with {placeholders} requires exactly those parameters. */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsOf<K>) => string;

/** A message worded when shown, so a language switch re-words it (kept in state as this). */
export type Message = (t: Translate) => string;

const languages = new WeakMap<Translate, Language>();

/** The translate function for one language. */
export function translator(language: Language): Translate {
  const dictionary = dictionaries[language];
  const t: Translate = (key, ...rest) => {
    const params: Partial<Record<string, string | number>> = rest[0] ?? {};
    return dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      String(params[name] ?? whole),
    );
  };
  languages.set(t, language);
  return t;
}

/**
 * The language a translate function words in, for what words itself outside the dictionary (the
 * server's refusals, by reason); English for one not made by `translator`.
 */
export function languageOf(t: Translate): Language {
  return languages.get(t) ?? "en";
}

const STORAGE_KEY = "signage.console.language";

/** The language chosen earlier on this browser, else the browser's own (zh* → zh-CN, else en). */
export function initialLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; fall back to the browser's language.
  }
  const parsed = LanguageSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** Remembers the language chosen on this browser. */
export function rememberLanguage(language: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not remembered, but the page still switches.
  }
}

/** The console's language, its translate function and the switch. */
export interface I18n {
  language: Language;
  t: Translate;
  setLanguage: (language: Language) => void;
}

/** Carries the I18n from App down to every page. */
export const I18nContext = createContext<I18n>({
  language: "en",
  t: translator("en"),
  setLanguage: () => undefined,
});

/** The current language and translate function. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
