import type { EntryInput } from "../../shared/schemas/entry";

let seq = 0;
const surnames = ["赵", "钱", "孙", "李", "周", "吴", "郑", "王", "欧阳", "司马"];
const given = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"];

/** Builds a valid, fictional discredited-list entry input; fields can be overridden. */
export function buildEntryInput(overrides: Partial<EntryInput> = {}): EntryInput {
  seq += 1;
  const surname = surnames[seq % surnames.length] ?? "张";
  const name = `${surname}${given[seq % given.length] ?? "三"}${given[(seq * 7) % given.length] ?? ""}`;
  return {
    kind: "discredited",
    subjectType: "person",
    fullName: name,
    idNumber: `110101199${seq % 10}0101${String(1000 + seq).slice(-4)}`,
    sex: seq % 2 === 0 ? "female" : "male",
    caseNumber: `（2024）京0101执${10_000 + seq}号`,
    court: "北京市东城区人民法院",
    obligation: `给付${seq * 1000}元`,
    amountMinor: seq * 100_000,
    currency: "CNY",
    performance: "全部未履行",
    listingGround: "违反财产报告制度",
    legalBasisNumber: `（2023）京0101民初${2_000 + seq}号民事判决书`,
    legalBasisIssuer: "北京市东城区人民法院",
    listingDate: "2026-01-15",
    expiryDate: "2028-01-15",
    districtIds: ["dongcheng"],
    ...overrides,
  };
}
