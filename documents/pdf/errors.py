"""The single error type of the PDF package and its Vietnamese messages."""

from __future__ import annotations

#: Default end-user message for every stable error code.
MESSAGES: dict[str, str] = {
    "empty": "Tệp trống (0 byte). Vui lòng chọn lại tệp cần tải lên.",
    "not_found": "Không tìm thấy tệp cần xử lý.",
    "not_pdf": "Tệp này không phải là tệp PDF. Vui lòng tải lên tệp PDF.",
    "truncated": (
        "Tệp PDF bị thiếu dữ liệu (có thể chưa tải lên hết). "
        "Vui lòng tải lên lại tệp đầy đủ."
    ),
    "damaged": (
        "Tệp PDF bị hỏng nên không đọc được. Vui lòng xuất lại tệp PDF "
        "từ phần mềm soạn thảo rồi tải lên lại."
    ),
    "encrypted": (
        "Tệp PDF được bảo vệ bằng mật khẩu. Vui lòng tải lên bản không đặt mật khẩu."
    ),
    "no_pages": "Tệp PDF không có trang nào.",
    "too_many_pages": "Tệp PDF có quá nhiều trang.",
    "page_too_large": "Tài liệu có trang với kích thước quá lớn.",
    "page_too_small": "Tài liệu có trang với kích thước quá nhỏ hoặc bằng 0.",
    "bad_page": "Số trang yêu cầu không có trong tài liệu.",
    "bad_image": "Tệp ảnh không hợp lệ, bị hỏng hoặc có kích thước quá lớn.",
    "unsafe": (
        "Không loại bỏ được hết nội dung hoạt động (mã lệnh, tệp đính kèm) "
        "khỏi tệp PDF, nên không thể tạo bản an toàn để tải xuống."
    ),
    "timeout": (
        "Xử lý tệp vượt quá thời gian cho phép. Tệp có thể quá phức tạp hoặc bị hỏng."
    ),
    "memory": ("Xử lý tệp cần quá nhiều bộ nhớ. Tệp có thể quá lớn hoặc bị hỏng."),
    "crashed": ("Bộ xử lý PDF gặp sự cố khi đọc tệp này. Tệp có thể bị hỏng."),
    "busy": (
        "Hệ thống đang bận xử lý các tài liệu khác. Vui lòng thử lại sau ít phút."
    ),
    "internal": "Đã xảy ra lỗi khi xử lý tệp PDF. Vui lòng thử lại sau.",
    "signed_active": (
        "Tệp gốc có chữ ký số nhưng chứa nội dung hoạt động (mã lệnh, lệnh khởi "
        "chạy hoặc tệp đính kèm). Không thể loại bỏ nội dung đó mà không làm hỏng "
        "chữ ký, nên tệp không được cấp để tải xuống."
    ),
    "bad_certificate": "Tệp không phải là chứng thư số hợp lệ (PEM hoặc DER).",
    "bad_crl": "Tệp không phải là danh sách thu hồi chứng thư (CRL) hợp lệ.",
    "bad_pkcs12": (
        "Không mở được tệp khóa ký (PKCS#12): tệp không hợp lệ hoặc sai mật khẩu."
    ),
    "sign_failed": "Không ký số được tài liệu. Vui lòng kiểm tra chứng thư ký.",
    "timestamp_failed": (
        "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian đã cấu hình, "
        "nên tài liệu chưa được ký. Vui lòng báo quản trị viên kiểm tra máy chủ "
        "dấu thời gian rồi thử lại."
    ),
    "not_prepared": (
        "Tệp tải lên không phải là tệp đã chuẩn bị để ký (nội dung đã bị thay đổi). "
        "Vui lòng ký đúng tệp đã tải xuống từ Nghị Sự."
    ),
    "not_signature_only": (
        "Tệp tải lên có thay đổi khác ngoài một chữ ký số, nên không được chấp nhận."
    ),
}


class PdfError(Exception):
    """A document could not be processed; carry a stable code and a user message.

    ``code`` is a stable English snake_case identifier for programs (see
    :data:`MESSAGES` for the list); ``message`` is a complete Vietnamese sentence
    that can be shown to end users as is.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        """Create the error; default the message from :data:`MESSAGES`."""
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["internal"])
        super().__init__(code, self.message)

    def __str__(self) -> str:
        """Return the user message."""
        return self.message

    def __repr__(self) -> str:
        """Return a debugging representation with code and message."""
        return f"PdfError({self.code!r}, {self.message!r})"
