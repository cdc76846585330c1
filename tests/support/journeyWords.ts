/**
 * What an operator and a moderator read and click on their first day, in each console language,
 * written out here as a person sees it (not read from the console's catalogue: a Chinese message
 * left in English, or worded wrong, must fail the journey).
 */
export interface JourneyWords {
  /** The browser's language, which picks the console's. */
  readonly locale: string;
  /** `<html lang>` the console sets. */
  readonly htmlLang: string;
  /** Screenshot suffix: test-results/console/journey-<suffix>-NN-<step>.png. */
  readonly suffix: "en" | "zh";
  /** The navigation landmark. */
  readonly nav: string;
  /** Page headings; the navigation links read the same. */
  readonly page: {
    readonly setup: string;
    readonly signIn: string;
    readonly ownPassword: string;
    readonly overview: string;
    readonly schedules: string;
    readonly users: string;
    readonly screens: string;
    readonly entries: string;
    readonly review: string;
  };
  readonly field: {
    readonly setupToken: string;
    readonly email: string;
    readonly displayName: string;
    readonly password: string;
    readonly passwordRepeat: string;
    readonly oneTimePassword: string;
    readonly newPassword: string;
    readonly newPasswordRepeat: string;
  };
  readonly setupSubmit: string;
  readonly signInSubmit: string;
  /** The refusal of a wrong password, worded by the console from the server's reason. */
  readonly wrongPassword: string;
  readonly changePassword: string;
  /** The district of the journey as the console names it in lists and sentences. */
  readonly zhongshan: string;
  readonly district: {
    readonly open: string;
    readonly form: string;
    readonly id: string;
    readonly nameZh: string;
    readonly nameEn: string;
    readonly create: string;
    readonly created: string;
  };
  readonly user: {
    readonly open: string;
    readonly form: string;
    readonly addRole: string;
    readonly role: (n: number) => string;
    readonly over: (n: number) => string;
    readonly create: string;
    readonly oneTimeFor: (name: string) => string;
    readonly passedOn: string;
  };
  readonly pair: {
    readonly form: string;
    readonly code: string;
    readonly name: string;
    readonly district: string;
    readonly submit: string;
    /** The console's own refusal of a code of the wrong length. */
    readonly codeLength: (n: number) => string;
    /**
     * The server's refusal of a code no screen shows (given as typed, six characters), worded in
     * the console's language with the code grouped as the screen shows it.
     */
    readonly unknownCode: (code: string) => string;
    readonly paired: (screen: string) => string;
  };
  readonly schedule: {
    readonly addWindow: string;
    readonly window: (n: number) => string;
    readonly start: string;
    readonly end: string;
    readonly dwell: string;
    readonly save: string;
    readonly saved: string;
  };
  readonly importing: {
    readonly open: string;
    readonly form: string;
    readonly file: string;
    readonly photos: string;
    readonly expiry: string;
    readonly submit: string;
    readonly report: (file: string) => string;
    readonly summary: string;
  };
  readonly review: {
    readonly refresh: string;
    readonly waiting: (n: number) => string;
    /** The navigation list of waiting entries (its name carries the count). */
    readonly waitingList: RegExp;
    readonly noFace: string;
    readonly openOriginal: string;
    readonly original: (name: string) => string;
    readonly region1: RegExp;
    readonly saveRegions: string;
    readonly rerendered: string;
    readonly ownChange: string;
    readonly approve: string;
    readonly approved: (name: string, caseNumber: string) => string;
  };
  readonly revoke: {
    readonly open: (name: string, caseNumber: string) => string;
    readonly reason: string;
    readonly submit: string;
    readonly done: (name: string, caseNumber: string) => string;
  };
  readonly overview: {
    readonly takedowns: string;
    readonly revoked: string;
    readonly oneOfOne: string;
  };
}

const en: JourneyWords = {
  locale: "en-US",
  htmlLang: "en",
  suffix: "en",
  nav: "Console pages",
  page: {
    setup: "First-run set-up",
    signIn: "Sign in",
    ownPassword: "Choose your own password",
    overview: "Overview",
    schedules: "Schedules",
    users: "Users",
    screens: "Screens",
    entries: "Entries",
    review: "Review queue",
  },
  field: {
    setupToken: "Set-up token",
    email: "Email",
    displayName: "Display name",
    password: "Password",
    passwordRepeat: "Repeat the password",
    oneTimePassword: "One-time password",
    newPassword: "New password",
    newPasswordRepeat: "Repeat the new password",
  },
  setupSubmit: "Create administrator and sign in",
  signInSubmit: "Sign in",
  wrongPassword: "The email or password is wrong.",
  changePassword: "Change password",
  zhongshan: "Zhongshan (zhongshan)",
  district: {
    open: "New district…",
    form: "New district",
    id: "District id",
    nameZh: "Chinese name",
    nameEn: "English name",
    create: "Create district",
    created: "Created Zhongshan (zhongshan).",
  },
  user: {
    open: "New user…",
    form: "New user",
    addRole: "Add a role",
    role: (n) => `Role ${n}`,
    over: (n) => `Over ${n}`,
    create: "Create user",
    oneTimeFor: (name) => `One-time password for ${name}`,
    passedOn: "I have passed it on",
  },
  pair: {
    form: "Pair a screen",
    code: "Pairing code",
    name: "Screen name",
    district: "District",
    submit: "Pair screen",
    codeLength: (n) =>
      `A pairing code has 6 characters; this one has ${n}. Type it again as the screen shows it.`,
    unknownCode: (code) =>
      `No kiosk is showing the pairing code ${code.slice(0, 3)} ${code.slice(3)}; check the screen.`,
    paired: (screen) =>
      `Paired “${screen}” in Zhongshan (zhongshan). The screen receives its token and starts playing.`,
  },
  schedule: {
    addWindow: "Add a window",
    window: (n) => `Window ${n}`,
    start: "Start",
    end: "End",
    dwell: "Seconds per slide",
    save: "Save schedule of Zhongshan (zhongshan)",
    saved: "Saved the schedule of Zhongshan (zhongshan); its screens switch at once.",
  },
  importing: {
    open: "Import a court export…",
    form: "Import a court export",
    file: "Export file (CSV or JSON)",
    photos: "Photos (optional zip)",
    expiry: "Expiry date for rows without one (optional)",
    submit: "Import",
    report: (file) => `Import report: ${file}`,
    summary: "2 rows: 2 accepted, 0 already present, 0 refused.",
  },
  review: {
    refresh: "Refresh",
    waiting: (n) => `Waiting (${n})`,
    waitingList: /^Waiting/,
    noFace: "No face was found in the photo: mark every face by hand before approving.",
    openOriginal: "Open the original (audited)",
    original: (name) => `Original photo of ${name}, unredacted`,
    region1: /^Region 1:/,
    saveRegions: "Save regions and re-redact",
    rerendered:
      "Re-rendered with your regions and verified by the detectors: the redacted image above is what screens will show.",
    ownChange:
      "You made the last change to this entry; another moderator must review it (four eyes).",
    approve: "Approve and publish",
    approved: (name, c) => `Approved ${name} (${c}); it goes to the screens.`,
  },
  revoke: {
    open: (name, c) => `Revoke ${name} (${c})`,
    reason: "Reason",
    submit: "Revoke from all screens",
    done: (name, c) => `Revoked ${name} (${c}). Screens are taking it down.`,
  },
  overview: {
    takedowns: "Takedowns: screens that acknowledged",
    revoked: "Revoked",
    oneOfOne: "1 of 1",
  },
};

const zh: JourneyWords = {
  locale: "zh-CN",
  htmlLang: "zh-CN",
  suffix: "zh",
  nav: "控制台页面",
  page: {
    setup: "首次设置",
    signIn: "登录",
    ownPassword: "请设置您自己的密码",
    overview: "概览",
    schedules: "排期",
    users: "用户",
    screens: "屏幕",
    entries: "名单条目",
    review: "审核队列",
  },
  field: {
    setupToken: "设置令牌",
    email: "电子邮箱",
    displayName: "显示名称",
    password: "密码",
    passwordRepeat: "再次输入密码",
    oneTimePassword: "一次性密码",
    newPassword: "新密码",
    newPasswordRepeat: "再次输入新密码",
  },
  setupSubmit: "创建管理员并登录",
  signInSubmit: "登录",
  wrongPassword: "电子邮箱或密码不正确。",
  changePassword: "修改密码",
  zhongshan: "中山区 (zhongshan)",
  district: {
    open: "新建辖区…",
    form: "新建辖区",
    id: "辖区标识",
    nameZh: "中文名称",
    nameEn: "英文名称",
    create: "创建辖区",
    created: "已创建中山区（zhongshan）。",
  },
  user: {
    open: "新建用户…",
    form: "新建用户",
    addRole: "添加角色",
    role: (n) => `角色 ${n}`,
    over: (n) => `范围 ${n}`,
    create: "创建用户",
    oneTimeFor: (name) => `${name}的一次性密码`,
    passedOn: "我已转交",
  },
  pair: {
    form: "配对屏幕",
    code: "配对码",
    name: "屏幕名称",
    district: "辖区",
    submit: "配对屏幕",
    codeLength: (n) => `配对码为 6 个字符，这里是 ${n} 个。请按屏幕上显示的重新输入。`,
    unknownCode: (code) => `没有屏幕显示配对码 ${code.slice(0, 3)} ${code.slice(3)}，请核对屏幕。`,
    paired: (screen) => `已将“${screen}”配对到中山区 (zhongshan)。屏幕将收到令牌并开始播放。`,
  },
  schedule: {
    addWindow: "添加时段",
    window: (n) => `时段 ${n}`,
    start: "开始",
    end: "结束",
    dwell: "每页秒数",
    save: "保存中山区 (zhongshan)的排期",
    saved: "已保存中山区 (zhongshan)的排期，其屏幕立即切换。",
  },
  importing: {
    open: "导入法院导出文件…",
    form: "导入法院导出文件",
    file: "导出文件（CSV 或 JSON）",
    photos: "照片（可选，zip 压缩包）",
    expiry: "无到期日期的行所用的到期日期（可选）",
    submit: "导入",
    report: (file) => `导入报告：${file}`,
    summary: "共 2 行：接受 2 行，已存在 0 行，拒绝 0 行。",
  },
  review: {
    refresh: "刷新",
    waiting: (n) => `待审核（${n}）`,
    waitingList: /^待审核/,
    noFace: "照片中未检测到人脸：批准前请手动标出每一张脸。",
    openOriginal: "查看原图（记入审计）",
    original: (name) => `${name}的原始照片（未打码）`,
    region1: /^区域 1：/,
    saveRegions: "保存区域并重新打码",
    rerendered: "已按您的区域重新生成并经检测器复核：上方的打码图像就是屏幕将显示的内容。",
    ownChange: "此条目最后一次由您修改，须由另一位审核员审核（双人复核）。",
    approve: "批准并发布",
    approved: (name, c) => `已批准 ${name}（${c}），将推送到屏幕。`,
  },
  revoke: {
    open: (name, c) => `撤下 ${name}（${c}）`,
    reason: "原因",
    submit: "从所有屏幕撤下",
    done: (name, c) => `已撤下 ${name}（${c}），各屏幕正在移除。`,
  },
  overview: {
    takedowns: "撤下进度：已确认的屏幕",
    revoked: "已撤下",
    oneOfOne: "1 / 1",
  },
};

/** The console's two languages, each with what the journey reads and clicks in it. */
export const journeyLanguages: readonly JourneyWords[] = [en, zh];
