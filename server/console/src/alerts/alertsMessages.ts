/** The alert bell's and the district form's alert messages. */
export const alertsEn = {
  "alerts.offlineMinutes": "Alert when a screen is offline for (minutes)",
  "alerts.offlineMinutesHint":
    "Empty: the parent district's setting, or the server's (5 minutes unless changed).",
  "alerts.offlineMinutesInvalid":
    "The offline alert time is a whole number of minutes from 1 to 10080.",
  "alerts.bell": "Alerts: {count}",
  "alerts.unread": " ({count} new)",
  "alerts.title": "Alerts of your districts' screens",
  "alerts.openTitle": "Open alerts",
  "alerts.none": "Nothing is wrong with your screens now.",
  "alerts.resolvedTitle": "Resolved lately",
  "alerts.since": "since {time}",
  "alerts.resolvedAt": "resolved {time}",
  "alerts.anEntry": "an entry",
  "alerts.kind.offline": "{screen} has been offline for more than {minutes} minutes.",
  "alerts.kind.takedown": "{screen} has not yet dropped “{what}”, which was taken down.",
  "alerts.kind.storage": "{screen}'s storage is nearly full ({used} of {quota} MB).",
  "alerts.kind.clock": "{screen}'s clock is off by {seconds} s.",
  "alerts.kind.version": "{screen} runs app version {version}; the current one is {current}.",
} as const;

export const alertsZh: Record<keyof typeof alertsEn, string> = {
  "alerts.offlineMinutes": "屏幕离线多久后告警（分钟）",
  "alerts.offlineMinutesHint": "留空则沿用上级辖区的设置，或服务器的设置（默认 5 分钟）。",
  "alerts.offlineMinutesInvalid": "离线告警时间须为 1 到 10080 之间的整数分钟。",
  "alerts.bell": "告警：{count}",
  "alerts.unread": "（{count} 条未读）",
  "alerts.title": "您所辖屏幕的告警",
  "alerts.openTitle": "未解决的告警",
  "alerts.none": "您的屏幕目前一切正常。",
  "alerts.resolvedTitle": "最近已解决",
  "alerts.since": "自 {time} 起",
  "alerts.resolvedAt": "已于 {time} 解决",
  "alerts.anEntry": "某条目",
  "alerts.kind.offline": "{screen}已离线超过 {minutes} 分钟。",
  "alerts.kind.takedown": "{screen}尚未撤下已下架的“{what}”。",
  "alerts.kind.storage": "{screen}的存储空间将满（已用 {used} MB，共 {quota} MB）。",
  "alerts.kind.clock": "{screen}的时钟偏差 {seconds} 秒。",
  "alerts.kind.version": "{screen}运行的应用版本为 {version}，当前版本为 {current}。",
};
