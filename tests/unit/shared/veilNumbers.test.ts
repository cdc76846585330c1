import { describe, expect, it } from "vitest";
import { veilFileName, veilNumbers } from "../../../shared/privacy/veilNumbers";

describe("veiling long numbers in kept reports", () => {
  it.each([
    ["110105199001011234.jpg", "1101************34.jpg"],
    ["21020219900101567X", "2102************7X"],
    ["男 13800138000", "男 1380*****00"],
    ["91210200MA0QC1234X", "9121************4X"],
    ["ｐｈｏｔｏ１１０１０５１９９００１０１１２３４", "ｐｈｏｔｏ１１０１************３４"],
    ["138 0013 8000", "138 **** **00"],
    ["110105-19900101-1234", "1101**-********-**34"],
  ])("veils %s", (raw, veiled) => {
    expect(veilNumbers(raw)).toBe(veiled);
  });

  it.each([
    "photo-001.jpg",
    "2024-01-15",
    "（2024）京0101执10001号",
    "给付1234567元",
    "ABCDEFGHJKLMNPQRTU",
    "2019-02-30 08:00",
    "2019/2/3",
  ])("leaves %s as it is", (text) => {
    expect(veilNumbers(text)).toBe(text);
  });

  it.each([
    ["张三.jpg", "张某.jpg"],
    ["Zhang San.png", "Zhang S..png"],
    ["（2024）京0101执10001号-photo.jpg", "（2024）京0101执10001号-photo.jpg"],
    ["court-export-2024.csv", "court-export-2024.csv"],
    ["北京市东城区人民法院失信名单.csv", "北京市东城区人民法院失信名单.csv"],
    ["导出.csv", "导出.csv"],
    ["照片.zip", "照片.zip"],
  ])("names the file %s as %s in a kept report", (raw, veiled) => {
    expect(veilFileName(raw)).toBe(veiled);
  });

  it.each([
    ["欧阳娜娜_110105199001011234.jpeg", "欧阳某_1101************34.jpeg"],
    ["被执行人欧阳娜娜身份证照片.jpg", "被执行人欧阳某身份证照片.jpg"],
    ["01欧阳娜娜,司马长风.zip", "01欧阳某,司马某.zip"],
  ])("masks the row's own names wherever they stand in %s", (raw, veiled) => {
    expect(veilFileName(raw, ["欧阳娜娜", "司马长风", null])).toBe(veiled);
  });
});
