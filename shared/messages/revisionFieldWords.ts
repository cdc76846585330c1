import type { Language } from "../schemas/announcement";
import { RevisionFieldSchema, type RevisionField } from "../schemas/moderation";

/**
 * What a revision of an entry can change, named in each language: one source for the console's
 * messages (review queue, history) and the server's refusal of a stale approval.
 */
export const revisionFieldWords = {
  en: {
    "revisionField.subjectType": "person or organisation",
    "revisionField.fullName": "full name",
    "revisionField.maskedName": "masked name",
    "revisionField.idNumber": "ID number",
    "revisionField.sex": "sex",
    "revisionField.legalRepresentative": "legal representative",
    "revisionField.caseNumber": "case number",
    "revisionField.court": "enforcing court",
    "revisionField.obligation": "unmet obligation",
    "revisionField.amountMinor": "unmet amount",
    "revisionField.currency": "currency",
    "revisionField.performance": "performance",
    "revisionField.listingGround": "ground for listing",
    "revisionField.legalBasisNumber": "legal basis document number",
    "revisionField.legalBasisIssuer": "legal basis issuing body",
    "revisionField.listingDate": "listing date",
    "revisionField.expiryDate": "expiry date",
    "revisionField.districtIds": "districts",
    "revisionField.photo": "photo",
    "revisionField.manualRegions": "hand-drawn face regions",
    "revisionField.crop": "crop",
    "revisionField.coverAll": "whole photo covered",
    "revisionField.redaction": "redaction result",
  },
  "zh-CN": {
    "revisionField.subjectType": "主体类型（个人或单位）",
    "revisionField.fullName": "姓名",
    "revisionField.maskedName": "脱敏姓名",
    "revisionField.idNumber": "身份证号",
    "revisionField.sex": "性别",
    "revisionField.legalRepresentative": "法定代表人",
    "revisionField.caseNumber": "案号",
    "revisionField.court": "执行法院",
    "revisionField.obligation": "未履行的义务",
    "revisionField.amountMinor": "未履行金额",
    "revisionField.currency": "币种",
    "revisionField.performance": "履行情况",
    "revisionField.listingGround": "失信情形",
    "revisionField.legalBasisNumber": "执行依据文号",
    "revisionField.legalBasisIssuer": "做出执行依据单位",
    "revisionField.listingDate": "列入日期",
    "revisionField.expiryDate": "到期日期",
    "revisionField.districtIds": "显示的辖区",
    "revisionField.photo": "照片",
    "revisionField.manualRegions": "手动标注的人脸区域",
    "revisionField.crop": "裁剪",
    "revisionField.coverAll": "遮盖整张照片",
    "revisionField.redaction": "打码结果",
  },
} as const satisfies Record<Language, Record<`revisionField.${RevisionField}`, string>>;

/**
 * What stands for revisions whose fields were not kept (`fieldsChangedSince` says "unknown"),
 * in each language: in a refusal, and in the console's review queue.
 */
export const unknownWords: Record<Language, string> = {
  en: "details not kept",
  "zh-CN": "详情未保留",
};
const joins: Record<Language, string> = { en: ", ", "zh-CN": "、" };

/**
 * A list of revision field names as sent in a refusal's `fields` parameter ("fullName,crop"),
 * named in `language`; a name this code does not know is shown as sent.
 */
export function wordRevisionFields(list: string, language: Language): string {
  return list
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "")
    .map((name) => {
      if (name === "unknown") return unknownWords[language];
      const known = RevisionFieldSchema.safeParse(name);
      return known.success ? revisionFieldWords[language][`revisionField.${known.data}`] : name;
    })
    .join(joins[language]);
}
