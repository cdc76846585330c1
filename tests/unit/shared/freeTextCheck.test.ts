import { describe, expect, it } from "vitest";
import {
  findPersonalData,
  isCreditCode,
  isResidentId,
  type PersonalDataCode,
} from "../../../shared/privacy/freeTextCheck";

/** The codes found in a text, in order. */
const codes = (text: string): PersonalDataCode[] => findPersonalData(text).map((f) => f.code);

describe("findPersonalData", () => {
  it.each<[string, string, PersonalDataCode[]]>([
    ["an 18-digit resident ID", "身份证号11010519491231002X", ["resident_id"]],
    ["a resident ID with a lower-case x", "证件：11010519491231002x。", ["resident_id"]],
    ["a resident ID in full-width digits", "１１０１０１１９９００３０７１２３３", ["resident_id"]],
    ["a resident ID written in groups", "110101 19900307 1233", ["resident_id"]],
    ["a 15-digit old resident ID", "旧证号130503670401001", ["resident_id"]],
    ["a unified social credit code", "统一社会信用代码91350100M000100Y43", ["credit_code"]],
    ["a mobile number", "请联系13800138000", ["mobile_phone"]],
    ["a mobile number written 3-4-4", "请致电 139-1234-5678 咨询", ["mobile_phone"]],
    ["a mobile number with +86", "请拨打+86 139 1234 5678", ["mobile_phone"]],
    ["a mobile number after a date", "2024-05-01 13800138000", ["mobile_phone"]],
    ["two phone numbers", "13800138000，13912345678", ["mobile_phone", "mobile_phone"]],
    [
      "a name and an ID after 被执行人",
      "被执行人张三，身份证号11010519491231002X",
      ["name", "resident_id"],
    ],
    ["a name next to a phone", "联系人王小明，电话：138 0013 8000", ["name", "mobile_phone"]],
    ["a name right after a phone", "13800138000（李雷）", ["mobile_phone", "name"]],
    ["a compound surname next to a phone", "欧阳娜娜13800138000", ["name", "mobile_phone"]],
    ["a name next to a masked phone", "张三 138****8000", ["name"]],
    ["a name next to a masked ID", "刘德华 110101********1233", ["name"]],
    ["a name after 姓名", "姓名：赵六", ["name"]],
    ["a name after 被执行人 running on", "被执行人李四因未履行义务被列入名单", ["name"]],
    ["a name after name:", "name: 孙七", ["name"]],
    ["a Latin name after Name:", "Name: Zhang San", ["name"]],
    ["a passport number next to the word", "护照号E12345678", ["passport"]],
    ["a passport number next to a name", "王五 EA1234567", ["name", "passport"]],
    // Wrapped to look like a case number: only the real shape is exempt, and an ID or a phone
    // number wins over any exemption.
    [
      "a name and an ID dressed as a case number",
      "(2024)张三11010519491231002X号",
      ["name", "resident_id"],
    ],
    [
      "a phone dressed as a case number",
      "请联系（2024）王五13800138000号",
      ["name", "mobile_phone"],
    ],
    ["a phone as a case number's serial", "（2024）粤0304执13912345678号", ["mobile_phone"]],
    ["an ID as a case number's serial", "(2024)京0105执11010519491231002X号", ["resident_id"]],
    ["a phone dressed as a document number", "第13800138000号通知", ["mobile_phone"]],
    ["a resident ID dressed as an amount", "欠款11010519491231002X元", ["resident_id"]],
  ])("finds %s", (_what, text, expected) => {
    expect(codes(text)).toEqual(expected);
  });

  it.each<[string, string]>([
    ["a case number", "案号：(2024)京0105执1234号"],
    ["a case number of an appeal court", "（2023）粤03民终567号"],
    ["a case number of the supreme court", "(2023)最高法民终123号"],
    ["a resumed enforcement case with a 6-digit serial", "（2022）沪0115执恢123456号"],
    ["a bankruptcy case in square brackets", "〔2021〕京01破申12号"],
    [
      "a case number after a masked name",
      "被执行人张某，案号(2024)京0105执12345号，电话138****8000。",
    ],
    ["a document number ending in 号", "第2024001号通知"],
    ["a date and a time", "2024-01-15 08:00 至 2024年1月16日"],
    ["a compact date", "自20240115起"],
    ["an amount in yuan", "未履行金额13800138000元"],
    ["an amount with a currency sign", "￥13800138000"],
    ["an amount with decimals", "合计13800138000.50"],
    ["an amount with thousands separators", "1,380,013,800"],
    ["a short hotline", "高温预警，请拨打12345或110"],
    ["a landline", "值班电话0411-82345678"],
    ["an 18-digit number failing the ID check digit", "编号110101199003071234"],
    ["a 12-digit number starting like a phone", "138001380001"],
    ["a 10-digit number", "1380013800"],
    ["a masked name after 被执行人", "被执行人张某"],
    ["a name masked with stars", "姓名：张*三，手机138****8000"],
    ["a name masked with two stars", "被执行人：张**"],
    ["a compound surname masked", "被执行人欧阳某 138****8000"],
    ["a masked Latin name", "Name: Zhang S."],
    ["the words after 被执行人", "失信被执行人名单公布"],
    ["a warning", "台风红色预警：请留在室内，远离海边。"],
    ["a passport-like code on its own", "航班号CA1234567起飞"],
    ["an English notice", "Heavy rain warning: stay indoors until 18:00."],
    ["a filename label", "filename: 通知"],
  ])("lets %s pass", (_what, text) => {
    expect(findPersonalData(text)).toEqual([]);
  });

  it("says what and where, never the number in full", () => {
    const [phone] = findPersonalData("请联系13800138000");
    expect(phone).toMatchObject({ code: "mobile_phone", start: 3, end: 14 });
    expect(phone?.message).toBe("a mobile phone number (138…) at characters 4–14");
    const text = "被执行人张三，身份证号11010519491231002X";
    for (const f of findPersonalData(text)) {
      expect(f.message).not.toContain("11010519491231002X");
      expect(f.message).not.toContain("张三");
      expect(text.slice(f.start, f.end)).toMatch(/^(张三|11010519491231002X)$/);
    }
  });

  it("keeps offsets of the text as given, full-width digits included", () => {
    const text = "电话：１３８００１３８０００";
    const [f] = findPersonalData(text);
    expect(f && text.slice(f.start, f.end)).toBe("１３８００１３８０００");
  });
});

describe("check digits", () => {
  it.each(["11010519491231002X", "110101199003071233", "440304198511205674"])(
    "accepts the resident ID %s",
    (id) => expect(isResidentId(id)).toBe(true),
  );
  it.each(["110101199003071234", "11010519491231002Y", "110101199013071233", "010101199003071233"])(
    "refuses %s as a resident ID",
    (id) => expect(isResidentId(id)).toBe(false),
  );
  it("checks a unified social credit code's last character", () => {
    expect(isCreditCode("91350100M000100Y43")).toBe(true);
    expect(isCreditCode("91350100M000100Y44")).toBe(false);
    expect(isCreditCode("91350100M000100I43")).toBe(false);
  });
});
