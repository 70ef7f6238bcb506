from .cls_data_sample import ClsDataSample

__all__ = ['ClsDataSample']
