/** The import form's and report's own messages (the older import.* keys are in entriesMessages). */
export const importEn = {
  "importForm.withoutPhotos": "Import rows whose photo is not supplied without it",
  "importForm.withoutPhotosHint":
    "Those entries wait in review: a moderator adds the photo or approves them without one. Otherwise such rows are refused.",
  "importForm.progressUploading": "Sending the files: {percent} %",
  "importReport.groupsTitle": "Reasons, counted",
  "importReport.groupRefused": "{count} rows refused (lines {lines}). For example, line {line}:",
  "importReport.groupNoted":
    "{count} rows imported without their photo (lines {lines}). For example, line {line}:",
  "importReport.retryWithoutPhotos": "Import the same file again without the missing photos",
  "importReport.retryHint":
    "Rows already imported stay as they are; the rows refused only for a missing photo are imported and wait in review for one.",
  "importReport.note": "Note",
} as const;

export const importZh: Record<keyof typeof importEn, string> = {
  "importForm.withoutPhotos": "照片未提供的行也导入（不带照片）",
  "importForm.withoutPhotosHint":
    "这些条目会留在审核中：由审核员补上照片，或决定不带照片批准。不勾选时，这样的行会被拒绝。",
  "importForm.progressUploading": "正在发送文件：{percent}%",
  "importReport.groupsTitle": "原因汇总",
  "importReport.groupRefused": "{count} 行被拒绝（第 {lines} 行）。例如第 {line} 行：",
  "importReport.groupNoted": "{count} 行已导入但没有照片（第 {lines} 行）。例如第 {line} 行：",
  "importReport.retryWithoutPhotos": "不带缺少的照片，重新导入同一文件",
  "importReport.retryHint":
    "已导入的行保持不变；仅因缺少照片而被拒绝的行会被导入，并在审核中等待照片。",
  "importReport.note": "说明",
};
